import type { PackageManifestIssue, PackageListing } from '@paddock/app-package';
import type { AppPackageManifest, PackageScan } from '@paddock/shared';

/** Each manifest issue as `line:col field: message`. */
export function printIssues(what: string, issues: readonly PackageManifestIssue[]): void {
  console.error(`paddock: ${what} is not valid:`);
  for (const i of issues) {
    console.error(
      `  ${i.line}:${i.column} ${i.path === '' ? '(top level)' : i.path}: ${i.message}`,
    );
  }
}

/** The https origins a manifest asks to reach (`network:` permissions), required ones first. */
export function networkOrigins(m: AppPackageManifest): string[] {
  const origins = [...m.permissions, ...m.optional_permissions]
    .filter((p) => p.startsWith('network:'))
    .map((p) => p.slice('network:'.length));
  return [...new Set(origins)];
}

/** The scan report in the API's shape (`PackageScan`). */
export function packageScan(listing: PackageListing, m: AppPackageManifest | null): PackageScan {
  const { report } = listing;
  return {
    files: report.files,
    total_bytes: report.totalBytes,
    scripts: report.scripts,
    network_origins: m === null ? [] : networkOrigins(m),
    by_kind: report.byKind,
  };
}

export function versionOf(m: { version: number; version_label: string }): string {
  return `${m.version} (${m.version_label})`;
}

/** Aligned `label  value` lines. */
export function fields(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

export function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
