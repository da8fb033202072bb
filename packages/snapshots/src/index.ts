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
  type ImportOptions,
  type ImportResult,
} from './snapshotArchive.js';
/** The entry rules of every untrusted archive (snapshot imports, workspace uploads, app imports). */
export {
  ArchiveEntryCheck,
  pointsOut,
  type CheckedEntry,
  type EntryRules,
} from './archiveEntries.js';
/** An untrusted tar or tar.gz read entry by entry, each checked before it is handed out. */
export { readUntrustedTar, type TarItem, type TarLimits } from './untrustedTar.js';
/** An upload (tar, tar.gz or zip) as a tar stream for importArchive. */
export { uploadAsTar, type UploadLimits } from './uploadAsTar.js';
