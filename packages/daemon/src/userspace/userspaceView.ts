import type {
  AppPackageManifest,
  Capability,
  PackageScan,
  PackageSource,
  PermissionDiff,
  ProvenanceTier,
  UpdateOutcome,
  UserspaceApp,
  UserspaceAppStatus,
} from '@paddock/shared';
import type { ScanReport } from '@paddock/app-package';
import type { UserspaceRow, VersionRow } from './userspaceStore.js';

/** A version waiting for consent: what it adds, and how it came (applied as it came). */
export interface PendingVersion {
  diff: PermissionDiff;
  source: PackageSource;
  provenance: UserspaceRow['provenance'];
}

export const granted = (row: UserspaceRow): Capability[] => JSON.parse(row.granted_json);
export const declined = (row: UserspaceRow): Capability[] => JSON.parse(row.declined_json);
export const pendingOf = (row: UserspaceRow): PendingVersion | null =>
  row.pending_json === null ? null : JSON.parse(row.pending_json);
export const manifestOf = (v: VersionRow): AppPackageManifest => JSON.parse(v.manifest_json);

/** The tier an app has now: a pinned key makes it first-party, whatever else is true. */
export function tierOf(row: UserspaceRow, pinned: boolean): ProvenanceTier {
  return pinned ? 'first-party' : row.provenance;
}

export function statusOf(row: UserspaceRow): UserspaceAppStatus {
  if (row.trashed_at !== null) return 'trashed';
  if (row.pending_json !== null) return 'pending_consent';
  return row.enabled === 1 ? 'active' : 'disabled';
}

/** A first install that waits for consent does not run; an update waiting runs the old one. */
export function runs(row: UserspaceRow): boolean {
  if (row.trashed_at !== null || row.enabled !== 1) return false;
  return pendingOf(row)?.diff.version !== row.version;
}

/** The stored scan report, as the API shows it. */
export function scanView(report: ScanReport, manifest: AppPackageManifest): PackageScan {
  return {
    files: report.files,
    total_bytes: report.totalBytes,
    scripts: report.scripts,
    network_origins: manifest.permissions
      .concat(manifest.optional_permissions)
      .filter((p) => p.startsWith('network:'))
      .map((p) => p.slice('network:'.length)),
    by_kind: report.byKind,
  };
}

export function appView(
  row: UserspaceRow,
  current: VersionRow,
  previous: number | null,
  pinned: boolean,
): UserspaceApp {
  const m = manifestOf(current);
  return {
    id: row.id,
    name: m.name,
    app_type: m.app_type,
    description: m.description,
    version: row.version,
    version_label: m.version_label,
    previous_version: previous,
    status: statusOf(row),
    provenance: tierOf(row, pinned),
    publisher_key: row.publisher_key,
    granted: granted(row),
    pending: pendingOf(row)?.diff ?? null,
    source: JSON.parse(row.source_json) as PackageSource,
    scan: JSON.parse(current.scan_json) as PackageScan,
    sandbox_id: row.sandbox_id,
    last_update:
      row.last_update_json === null ? null : (JSON.parse(row.last_update_json) as UpdateOutcome),
    installed_at: row.installed_at,
    updated_at: row.updated_at,
    trashed_at: row.trashed_at,
    purge_after: row.purge_after,
  };
}
