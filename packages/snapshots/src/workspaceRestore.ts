import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ContentStore } from './contentStore.js';
import { inParallel } from './inParallel.js';
import { checkManifest, type SnapshotEntry, type SnapshotManifest } from './snapshotManifest.js';

export interface RestoreOptions {
  /** The workspace root on the host; nothing in the sandbox may run against it meanwhile. */
  root: string;
  manifest: SnapshotManifest;
  store: ContentStore;
  /** Who every restored file belongs to: the target sandbox's uid and gid. */
  uid: number;
  gid: number;
  /** Regenerable directories already in the workspace are kept as they are (node_modules). */
  excludedNames: ReadonlySet<string>;
}

type Kind = SnapshotEntry['type'];

const PARALLEL_WRITES = 8;

/**
 * Makes the workspace equal to the manifest: what the snapshot lacks is removed (except the
 * excluded, regenerable directories), every entry is written anew with the snapshot's bytes,
 * modes and mtimes, owned by the target uid. Runs as root over a tree the sandbox cannot touch
 * meanwhile; it still never follows a symlink: a path whose type differs is removed first, and
 * each entry's parent is a directory this restore has checked or made.
 */
export async function restoreWorkspace(
  o: RestoreOptions,
): Promise<{ files: number; bytes: number }> {
  const manifest = checkManifest(o.manifest);
  const wanted = new Map<string, Kind>(manifest.entries.map((e) => [e.path, e.type]));
  await removeUnwanted(o.root, '', wanted, o.excludedNames);

  // Directories first, in order (parents before children); then files and links, which are
  // independent of each other, several at a time.
  const dirs = manifest.entries.filter((e) => e.type === 'dir');
  for (const d of dirs) {
    const target = path.join(o.root, d.path);
    if ((await lstatOrNull(target)) === null) await fs.promises.mkdir(target, { mode: 0o700 });
    await fs.promises.lchown(target, o.uid, o.gid);
  }
  const leaves = manifest.entries.filter((e) => e.type !== 'dir');
  let files = 0;
  let bytes = 0;
  await inParallel(leaves, PARALLEL_WRITES, async (e) => {
    await writeLeaf(o, e);
    if (e.type === 'file') {
      files++;
      bytes += e.size;
    }
  });
  // Deepest first: writing into a directory changes its mtime.
  for (const d of dirs.reverse()) {
    if (d.type !== 'dir') continue;
    const target = path.join(o.root, d.path);
    await fs.promises.chmod(target, d.mode);
    const when = new Date(d.mtime_ms);
    await fs.promises.utimes(target, when, when);
  }
  return { files, bytes };
}

async function writeLeaf(o: RestoreOptions, e: SnapshotEntry): Promise<void> {
  const target = path.join(o.root, e.path);
  const when = new Date(e.mtime_ms);
  if (e.type === 'file') {
    // Copy beside the target and rename over it: a crash leaves the old file or the new one.
    // A short name of its own (not the target's plus a suffix, which could exceed NAME_MAX).
    const tmp = path.join(path.dirname(target), `.pdk-${crypto.randomBytes(6).toString('hex')}`);
    await o.store.copyObjectTo(e.sha256, tmp);
    await fs.promises.lchown(tmp, o.uid, o.gid);
    await fs.promises.chmod(tmp, e.mode);
    await fs.promises.utimes(tmp, when, when);
    await fs.promises.rename(tmp, target);
  } else if (e.type === 'symlink') {
    await fs.promises.rm(target, { force: true });
    await fs.promises.symlink(e.target, target);
    await fs.promises.lchown(target, o.uid, o.gid);
    await fs.promises.lutimes(target, when, when);
  }
}

/** Removes, depth first, what is not in the snapshot or has another type there. */
async function removeUnwanted(
  root: string,
  rel: string,
  wanted: Map<string, Kind>,
  excluded: ReadonlySet<string>,
): Promise<void> {
  for (const entry of await fs.promises.readdir(path.join(root, rel), { withFileTypes: true })) {
    const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
    const kind: Kind | null = entry.isDirectory()
      ? 'dir'
      : entry.isSymbolicLink()
        ? 'symlink'
        : entry.isFile()
          ? 'file'
          : null;
    const want = wanted.get(childRel);
    if (want === kind && kind === 'dir') {
      await removeUnwanted(root, childRel, wanted, excluded);
    } else if (want === undefined && excluded.has(entry.name)) {
      continue;
    } else if (want !== kind || kind === null) {
      // fs.rm never follows symlinks; it removes the link itself.
      await fs.promises.rm(path.join(root, childRel), { recursive: true, force: true });
    }
  }
}

async function lstatOrNull(p: string): Promise<fs.Stats | null> {
  try {
    return await fs.promises.lstat(p);
  } catch {
    return null;
  }
}
