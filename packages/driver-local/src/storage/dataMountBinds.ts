import fs from 'node:fs';
import path from 'node:path';
import type { DataMount } from '@paddock/shared';
import { mustRun, type HostTools } from '../host/hostCommands.js';
import { mountPoints, unmountAll } from '../host/mountTable.js';
import { prepareDataDir } from './sharedDataDirs.js';

/**
 * bubblewrap runs as the sandbox uid and opens its bind sources by path, and a filestore
 * usually lives where that uid cannot reach (the daemon's 0700 data dir). So the driver, as
 * root, binds each source at `<stagingDir>/<index>` inside the sandbox's runtime tmpfs (which
 * only that sandbox can enter), read-only there already when the mount is, and bwrap binds
 * those. The index is the mount's place in the record, so the argv never depends on the
 * source's name.
 */
export function stagedDataPath(stagingDir: string, index: number): string {
  return path.join(stagingDir, String(index));
}

/** Prepare each source for sharing with the data group `gid`, then bind it into the staging dir. */
export async function stageDataMounts(
  tools: HostTools,
  stagingDir: string,
  mounts: DataMount[],
  gid: number,
): Promise<void> {
  if (mounts.length === 0) return;
  fs.mkdirSync(stagingDir, { mode: 0o755 });
  for (const [i, m] of mounts.entries()) {
    await prepareDataDir(tools, m.source, gid);
    const at = stagedDataPath(stagingDir, i);
    fs.mkdirSync(at, { mode: 0o755 });
    const options = `${m.readOnly ? 'ro,' : ''}nosuid,nodev`;
    await mustRun(tools.mount, ['--bind', '-o', options, '--', m.source, at]);
  }
}

/** Unmount whatever is bound below the staging dir (read from the mount table, so crash leftovers go too). */
export async function unstageDataMounts(tools: HostTools, stagingDir: string): Promise<void> {
  const below = mountPoints()
    .filter((p) => p.startsWith(stagingDir + '/'))
    .sort((a, b) => b.length - a.length);
  for (const p of new Set(below)) await unmountAll(tools.umount, p);
}
