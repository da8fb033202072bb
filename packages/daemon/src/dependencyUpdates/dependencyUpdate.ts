import { pruneCache } from '@paddock/presets';
import { PaddockError, type DependencyUpdateReport } from '@paddock/shared';
import { moveApps, type AppMovesDeps } from './appMoves.js';
import { installables, refreshCaches, type CacheRefreshDeps } from './cacheRefresh.js';

export type DependencyUpdateDeps = AppMovesDeps & CacheRefreshDeps;

/**
 * An admin's update of the dependencies after an upgrade of Paddock (docs/upgrading.md): the
 * cache rebuilt from the pinned lockfiles, the apps moved over where their lockfiles allow, and
 * on request the cache entries nothing uses any more removed. One at a time.
 */
export class DependencyUpdates {
  private running = false;

  constructor(private readonly d: DependencyUpdateDeps) {}

  async update(options: { dryRun: boolean; prune: boolean }): Promise<DependencyUpdateReport> {
    if (this.running) throw new PaddockError('conflict', 'a dependency update is already running');
    this.running = true;
    try {
      const { dryRun } = options;
      const caches = await refreshCaches(this.d, { dryRun });
      const unbuilt = new Set(caches.filter((c) => c.outcome === 'failed').map((c) => c.name));
      const presets = installables()
        .filter((i) => !('tool' in i))
        .map((p) => p.name);
      const apps = await moveApps(this.d, { dryRun, presets, unbuilt });
      // After the moves: an entry a running app still mounts is kept (it is in use).
      const pruned = options.prune ? await pruneCache(this.d.cache, { dryRun }) : [];
      this.d.log.info(
        {
          dry_run: dryRun,
          caches: count(caches.map((c) => c.outcome)),
          apps: count(apps.map((a) => a.outcome)),
          pruned: count(pruned.map((p) => p.outcome)),
        },
        'dependency update',
      );
      return { dry_run: dryRun, caches, apps, pruned };
    } finally {
      this.running = false;
    }
  }
}

function count(outcomes: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of outcomes) out[o] = (out[o] ?? 0) + 1;
  return out;
}
