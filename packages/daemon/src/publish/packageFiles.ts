import { DEFAULT_PACKAGE_LIMITS, MANIFEST_PATH, SIGNATURE_PATH } from '@paddock/app-package';
import { MANIFEST_FILE } from '@paddock/manifest';
import { PaddockError, type PublishSection } from '@paddock/shared';
import type { SnapshotManifest } from '@paddock/snapshots';

/** One file of the package: where it goes, and the snapshot content it is. */
export interface PackageFile {
  path: string;
  size: number;
  sha256: string;
}

/**
 * What a service package leaves out of the workspace besides what snapshots already leave out:
 * history, installs and caches that a build or an install makes again.
 */
export const SERVICE_EXCLUDED: readonly string[] = [
  '.git',
  'node_modules',
  '.venv',
  'venv',
  '__pycache__',
  '.cache',
  '.next',
  '.next-build',
  '.vite',
  '.tsbuild',
  '.turbo',
  '.parcel-cache',
  '.pytest_cache',
  '.mypy_cache',
];

/**
 * The package's files, chosen from the snapshot taken after the build: a web app's `output`
 * directory (its paths from there), a service app's workspace less `excluded` names at any
 * depth. Whatever a package may not hold is refused here as `publish_output_invalid`, naming
 * the path, before anything is written: links, `node_modules`, Paddock's own file names, a
 * missing entry or icon, more files or bytes than a package allows.
 */
export function packageFiles(
  manifest: SnapshotManifest,
  section: PublishSection,
  excluded: ReadonlySet<string>,
): PackageFile[] {
  const files: PackageFile[] = [];
  if (section.type === 'web') {
    const root = section.output!;
    const top = manifest.entries.find((e) => e.path === root);
    if (top?.type !== 'dir') {
      throw refuse(
        `the build left no \`${root}\` directory (publish.output)${excluded.has(root.split('/').pop()!) ? `: snapshots leave out ${root}` : ''}`,
        { path: root },
      );
    }
    for (const e of manifest.entries) {
      if (!e.path.startsWith(`${root}/`)) continue;
      const rel = e.path.slice(root.length + 1);
      if (e.type === 'symlink') throw refuse(`${e.path} is a link; a package holds files`, e);
      if (rel.split('/').some((s) => s.toLowerCase() === 'node_modules')) {
        throw refuse(`${e.path}: a package may not hold node_modules`, e);
      }
      if (e.type === 'file') files.push({ path: rel, size: e.size, sha256: e.sha256 });
    }
  } else {
    const skip = new Set([...excluded, ...SERVICE_EXCLUDED]);
    for (const e of manifest.entries) {
      if (e.path.split('/').some((s) => skip.has(s))) continue;
      if (e.type === 'symlink') throw refuse(`${e.path} is a link; a package holds files`, e);
      if (e.type === 'file') files.push({ path: e.path, size: e.size, sha256: e.sha256 });
    }
  }
  check(files, section);
  return files;
}

/** Whether a service package still needs its sandbox.yaml (the preset's, when it had none). */
export function lacksManifest(files: readonly PackageFile[]): boolean {
  return !files.some((f) => f.path === MANIFEST_FILE);
}

function check(files: readonly PackageFile[], section: PublishSection): void {
  const limits = DEFAULT_PACKAGE_LIMITS;
  const paths = new Set(files.map((f) => f.path));
  for (const own of [MANIFEST_PATH, SIGNATURE_PATH]) {
    if (paths.has(own)) throw refuse(`the package's files hold ${own}, which Paddock writes`);
  }
  if (section.type === 'web') {
    const entry = section.entry!;
    if (!paths.has(entry)) {
      throw refuse(`the entry ${entry} is not in ${section.output} (publish.entry)`, {
        path: entry,
      });
    }
  }
  if (section.icon !== undefined && !paths.has(section.icon)) {
    throw refuse(`the icon ${section.icon} is not in the package (publish.icon)`, {
      path: section.icon,
    });
  }
  // Two more entries: the manifest and the signature.
  if (files.length + 2 > limits.maxEntries) {
    throw refuse(`${files.length} files: a package holds at most ${limits.maxEntries - 2}`);
  }
  let total = 0;
  for (const f of files) {
    if (f.size > limits.maxEntryBytes) {
      throw refuse(`${f.path} is over ${limits.maxEntryBytes} bytes`, { path: f.path });
    }
    total += f.size;
  }
  if (total > limits.maxTotalBytes) {
    throw refuse(`the files hold ${total} bytes: a package holds at most ${limits.maxTotalBytes}`);
  }
}

function refuse(message: string, at?: { path: string }): PaddockError {
  return new PaddockError('publish_output_invalid', message, at ? { path: at.path } : undefined);
}
