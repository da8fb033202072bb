export type {
  FileEntry,
  FilestoreBackend,
  FilestoreLocation,
  FilestoreUsage,
  ListOptions,
  ListPage,
  OpenedObject,
} from './backend.js';
