export { startDaemon, type RunningDaemon } from './daemon.js';
export { newSandboxId } from './sandboxes/sandboxId.js';
export { loadConfig, ConfigError, type DaemonConfig } from './config.js';
export type { RouteEntry } from './app.js';
export type { ApiMount, MountCall, DaemonExtensions } from './http/apiMounts.js';
export { restoreBackup, BackupRestoreError } from './system/backupRestore.js';
export type { BackupManifest } from './system/backupArchive.js';
