export type {
  FileEntry,
  FilestoreBackend,
  FilestoreLocation,
  FilestoreUsage,
  ListOptions,
  ListPage,
  OpenedObject,
} from './backend.js';
export { FilestoreUnavailable, TooLarge } from './errors.js';
export { LocalBackend } from './localBackend.js';
export { checkFilePath, checkListPrefix } from './paths.js';
export { S3Backend, type S3BackendOptions } from './s3Backend.js';
export { syncDown, syncUp, type SyncBaseline, type SyncedFile, type SyncUpResult } from './sync.js';
