export { parseManifest } from './parseManifest.js';
export { MANIFEST_FILE, MANIFEST_LIMITS } from './limits.js';
export type {
  BuildStep,
  ManifestEgress,
  ManifestIssue,
  ManifestResult,
  PublishSection,
  RuntimeManifest,
  WebProcess,
  WorkerProcess,
} from './types.js';
export { WEB_PROCESS, supervisedSpecs, type ProcessEnvironment } from './supervisedSpecs.js';
