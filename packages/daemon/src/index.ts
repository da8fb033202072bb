export { startDaemon, newSandboxId, type RunningDaemon } from './daemon.js';
export { loadConfig, ConfigError, type DaemonConfig } from './config.js';
export type { RouteEntry } from './app.js';
