import type { ManifestIssue, RuntimeManifest } from '@paddock/shared';

// The shapes live in @paddock/shared as schemas, so the API documents exactly what this returns.
export type {
  BuildStep,
  ManifestEgress,
  ManifestFilestore,
  ManifestIssue,
  PublishSection,
  RuntimeManifest,
  WebProcess,
  WorkerProcess,
} from '@paddock/shared';

export type ManifestResult =
  { valid: true; manifest: RuntimeManifest } | { valid: false; errors: ManifestIssue[] };
