import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GUEST_CACHE_DIR, GUEST_TOOLS_BIN, PaddockError } from '@paddock/shared';
import type { DependencyCache } from './dependencyCache.js';
import { getTool, type PackageManagerTool } from './tools.js';

/**
 * pnpm's store under the workspace's .cache/ (left out of snapshots and checkpoints; pnpm links
 * from it, so it must be on the workspace's file system), not ~/.local/share. Set here, not in
 * every child's environment: npm warns of a setting it does not know.
 */
const PRELUDE: Record<PackageManagerTool, string> = {
  pnpm: 'export npm_config_store_dir="${npm_config_store_dir:-$HOME/.cache/pnpm/store}"\n',
  yarn: '',
};

/**
 * pnpm or yarn for every sandbox (ADR 0029): installed into the shared cache on first use like
 * an agent CLI, then a small script `<cache>/bin/<tool>` that runs it, which sandboxes see
 * at GUEST_TOOLS_BIN (on their PATH). Returns that command's guest path.
 */
export async function packageManagerInSandbox(
  cache: DependencyCache,
  tool: PackageManagerTool,
): Promise<string> {
  const def = getTool(tool);
  if (!def?.command) throw new PaddockError('bad_request', `no package manager ${tool}`);
  const { nodeModules } = await cache.ensure(def);
  const entry = path.posix.join(
    GUEST_CACHE_DIR,
    path.relative(cache.root, nodeModules),
    def.command,
  );
  // The entry by its guest path: the command is read inside sandboxes, never on the host.
  const script = `#!/bin/sh\n${PRELUDE[tool]}exec node ${entry} "$@"\n`;
  const bin = path.join(cache.root, 'bin');
  const file = path.join(bin, tool);
  const current = await readFile(file, 'utf8').catch(() => null);
  if (current !== script) {
    if (await mkdir(bin, { recursive: true })) await chmod(bin, 0o755);
    // Renamed into place: a sandbox running the command sees the old script or the new one.
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, script, { mode: 0o755 });
    await chmod(tmp, 0o755);
    await rename(tmp, file);
  }
  return path.posix.join(GUEST_TOOLS_BIN, tool);
}
