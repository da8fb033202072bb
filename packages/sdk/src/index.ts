export { Paddock, type PaddockOptions } from './paddock.js';
export { PaddockError, type SdkErrorCode } from './errors.js';
export {
  Sandbox,
  Sandboxes,
  type SandboxInfo,
  type SandboxRecord,
  type CreateSandboxOptions,
} from './sandbox.js';
export { Commands, CommandHandle, type CommandRecord, type StartOptions } from './commands.js';
export type { Command, ExecOptions } from './exec.js';
export { Files } from './files.js';
export { PtySession, type PtyOptions, type PtyExit, type PtyClose } from './pty.js';
export { App, Apps, type AppInfo, type CreateAppOptions } from './apps.js';
export { AppConfig, type ConfigEntry, type ConfigInput, type ConfigChange } from './appConfig.js';
export { Egress, type EgressPolicy, type EgressLists } from './egress.js';
export { Tasks, TaskHandle, type TaskSpec, type RunTaskOptions } from './tasks.js';
export { Snapshots, type Snapshot } from './snapshots.js';
export {
  Filestores,
  type Filestore,
  type FilestoreBackend,
  type FilestoreFile,
} from './filestores.js';
export { Userspace, type UserspaceApp, type InstallResult } from './userspace.js';
export { Instance } from './instance.js';
export { Transport, type TransportOptions, type RawBody, type SendInput } from './transport.js';
export type { BodyOf, CallInput, ParamsOf, QueryOf, ReplyOf } from './routeTypes.js';
export { ROUTES } from './routeTable.js';
export type { ErrorCode, ExecResult, Task, TaskStreamFrame, FileWatchFrame } from '@paddock/shared';
