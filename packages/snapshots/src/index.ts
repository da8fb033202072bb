export { ContentStore } from './contentStore.js';
export { Lease } from './lease.js';
export { ContentTooLarge } from './objectWriter.js';
export { CannotOpen } from './syncedFiles.js';
export { readPackIndex, type PackEntry } from './packFile.js';
export { HashCache } from './hashCache.js';
export { SurvivalCheck } from './survivalCheck.js';
export {
  DEFAULT_EXCLUDED_NAMES,
  checkManifest,
  manifestObjects,
  readManifest,
  type SnapshotEntry,
  type SnapshotManifest,
} from './snapshotManifest.js';
export {
  CaptureLimitError,
  captureWorkspace,
  type CaptureOptions,
  type CaptureResult,
} from './workspaceCapture.js';
export { restoreWorkspace, type RestoreOptions } from './workspaceRestore.js';
export {
  MAX_ARCHIVE_METADATA_BYTES,
  exportArchive,
  importArchive,
  type ImportLimits,
  type ImportResult,
} from './snapshotArchive.js';
