export { AppAgent } from './appAgent.js';
