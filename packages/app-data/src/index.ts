export {
  createAppDataTables,
  createAppDataUsage,
  fileCharge,
  FILE_ROW_BYTES,
  type AppDataDatabase,
  type AppDataDb,
  type AppFilesTable,
  type AppKvTable,
  type AppTableRowsTable,
  type AppDataUsageTable,
} from './schema.js';
export { AppKv } from './appKv.js';
export { AppTable } from './appTable.js';
export { AppFiles } from './appFiles.js';
export { AppDataRows, type AppRowsDump } from './appDataRows.js';
export {
  LocalFilestore,
  scanFiles,
  segmentsOf,
  TooLarge,
  type Filestore,
  type OpenedFile,
  type ScannedFile,
  type StagedFile,
} from './filestore.js';
export { AppDataGate } from './dataGate.js';
export { mimeOf, DEFAULT_MIME } from './mime.js';
export { usageOf, checkQuota, type QuotaOf, type Usage } from './quota.js';
export { mergePatch } from './tableFilters.js';
