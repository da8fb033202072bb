import fs from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { DependencyCache } from './dependencyCache.js';
import { listCacheEntries } from './cacheEntries.js';

export interface PruneOutcome {
  /** The entry's directory name, `<name>-<key>`. */
  entry: string;
  outcome: 'removed' | 'would_remove' | 'kept' | 'failed';
  /** Why it was kept or could not be removed; null when removed. */
  reason: string | null;
}

/** Says why an entry is still in use, or null when nothing uses it. */
export type EntryInUse = (dir: string) => string | null;

/**
 * Removes the cache's entries that are not the current key of their preset or tool and that
 * nothing uses (`inUse`, by default: no mount of the host names it and no command in `bin/`
 * runs from it). Renamed aside first, so no sandbox or daemon ever sees a half-removed entry.
 */
export async function pruneCache(
  cache: DependencyCache,
  options: { dryRun: boolean; inUse?: EntryInUse },
): Promise<PruneOutcome[]> {
  const inUse = options.inUse ?? defaultInUse(cache);
  const out: PruneOutcome[] = [];
  for (const e of listCacheEntries(cache).filter((x) => !x.current)) {
    const why = inUse(e.dir);
    if (why !== null) {
      out.push({ entry: e.entry, outcome: 'kept', reason: why });
      continue;
    }
    if (options.dryRun) {
      out.push({ entry: e.entry, outcome: 'would_remove', reason: null });
      continue;
    }
    try {
      // The cache's temp prefix: a crash between the two steps leaves what its sweep removes.
      const aside = path.join(cache.root, `.tmp-prune-${e.entry}`);
      await rename(e.dir, aside);
      await rm(aside, { recursive: true, force: true });
      out.push({ entry: e.entry, outcome: 'removed', reason: null });
    } catch (err) {
      out.push({ entry: e.entry, outcome: 'failed', reason: (err as Error).message });
    }
  }
  return out;
}

/**
 * In use: a mount of this host names it (a running app's layer over it, as its overlay's lower
 * directory), or a package manager's command in `<root>/bin/` runs from it.
 */
export function defaultInUse(cache: DependencyCache): EntryInUse {
  const mounts = readOrEmpty('/proc/self/mountinfo');
  const binDir = path.join(cache.root, 'bin');
  let scripts = '';
  try {
    for (const name of fs.readdirSync(binDir)) scripts += readOrEmpty(path.join(binDir, name));
  } catch {
    // No bin/: no command runs from any entry.
  }
  return (dir) => {
    const entry = path.basename(dir);
    // Mount paths are octal-escaped in mountinfo; entry paths have nothing that needs it.
    if (mounts.includes(`${dir}/`) || mounts.includes(`${dir} `)) return 'mounted by a sandbox';
    if (scripts.includes(`/${entry}/`)) return `a command in ${binDir} runs from it`;
    return null;
  };
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
