import type { Tool } from '../tool.js';
import { appTools } from './appTools.js';
import { egressTools } from './egressTools.js';
import { fileTools } from './fileTools.js';
import { sandboxTools } from './sandboxTools.js';
import { snapshotTools } from './snapshotTools.js';
import { taskTools } from './taskTools.js';

/** Every tool, in the order clients list them: the build loop first. */
export const TOOLS: readonly Tool[] = [
  ...appTools,
  ...fileTools,
  ...sandboxTools,
  ...taskTools,
  ...snapshotTools,
  ...egressTools,
];
