export { TASK_PROVIDERS } from './taskProviders.js';
export type {
  OutputParser,
  ProviderContext,
  ProviderRun,
  TaskProvider,
  ToolRef,
} from './taskProvider.js';
export { runTask, type TaskEnd, type TaskRunRequest } from './run/taskRun.js';
export {
  commitFiles,
  commitImport,
  EXCLUDE,
  GIT,
  GIT_ENV,
  restoreCheckpoint,
} from './run/checkpoints.js';
export {
  listCheckpoints,
  packCheckpoint,
  unpackCheckpoint,
  type CheckpointClaim,
  type CheckpointCommit,
} from './run/checkpointHistory.js';
export type { TaskHost, TaskWorkspace } from './run/taskWorkspace.js';
