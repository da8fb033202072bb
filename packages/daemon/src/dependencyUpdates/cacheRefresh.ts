import {
  PRESETS,
  TOOLS,
  type DependencyCache,
  type Installable,
  type PackageManagerTool,
} from '@paddock/presets';
import type { CacheUpdate } from '@paddock/shared';

export interface CacheRefreshDeps {
  cache: DependencyCache;
  /** Puts a package manager in the cache and points its command in `bin/` at the current key. */
  packageManagers: (tool: PackageManagerTool) => Promise<string>;
}

/** Every npm preset and every tool: what the cache is asked to hold now. */
export function installables(): Installable[] {
  return [...PRESETS.filter((p) => p.dependencies === 'npm'), ...TOOLS];
}

/**
 * The cache entry of each preset and tool for its current pinned lockfile, built when missing
 * (one at a time: each `npm ci` uses the host's cores). A failure is reported, not thrown: the
 * others are still built.
 */
export async function refreshCaches(
  d: CacheRefreshDeps,
  options: { dryRun: boolean },
): Promise<CacheUpdate[]> {
  const out: CacheUpdate[] = [];
  for (const item of installables()) {
    const kind = 'tool' in item ? ('tool' as const) : ('preset' as const);
    const base = { name: item.name, kind, key: '', reason: null, ms: 0 };
    try {
      base.key = d.cache.key(item);
      if (options.dryRun) {
        out.push({ ...base, outcome: d.cache.has(item) ? 'present' : 'would_build' });
        continue;
      }
      const { built, ms } = await d.cache.ensure(item);
      // A package manager's command must run the entry just made, not an earlier one.
      if ('command' in item && item.command !== undefined) {
        await d.packageManagers(item.tool as PackageManagerTool);
      }
      out.push({ ...base, outcome: built ? 'built' : 'present', ms: Math.round(ms) });
    } catch (err) {
      out.push({ ...base, outcome: 'failed', reason: (err as Error).message.slice(0, 2000) });
    }
  }
  return out;
}
