export { detectProject } from './detectProject.js';
export type { DetectOptions, ProjectReader } from './types.js';
