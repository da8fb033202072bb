import fs from 'node:fs';
import path from 'node:path';
import { GUEST_CACHE_DIR, PaddockError } from '@paddock/shared';
import type { DependencyCache } from './dependencyCache.js';
import { getTool } from './tools.js';

/**
 * The host's shared cache dir is bound read-only into every sandbox, so unprivileged sandbox
 * uids must be able to reach it: created 0755 if missing, and every ancestor searchable.
 */
export function prepareSharedCache(dir: string): void {
  if (fs.mkdirSync(dir, { recursive: true })) fs.chmodSync(dir, 0o755);
  for (let p = dir; ; p = path.dirname(p)) {
    if ((fs.statSync(p).mode & 0o001) === 0) {
      throw new PaddockError(
        'bad_request',
        `PADDOCK_CACHE_DIR ${dir} must be reachable by sandbox users, but ${p} is not searchable by others (chmod o+x)`,
      );
    }
    if (p === path.dirname(p)) break;
  }
}

/** An agent CLI's node_modules as a sandbox sees it, installed first if missing. */
export async function toolModulesInSandbox(cache: DependencyCache, tool: string): Promise<string> {
  const def = getTool(tool);
  if (!def) throw new PaddockError('bad_request', `no tool ${tool}`);
  const { nodeModules } = await cache.ensure(def);
  return path.posix.join(GUEST_CACHE_DIR, path.relative(cache.root, nodeModules));
}
