import fs from 'node:fs';
import { findHostTools, runCommand } from '../host/hostCommands.js';
import type { DataDirLeftovers, Leftover } from './hostLeftovers.js';
import { mountPoints, unmountAll } from '../host/mountTable.js';

/** What a sweep removed and what it could not (with the error). */
export interface SweepResult {
  removed: Leftover[];
  failed: Array<Leftover & { error: string }>;
}

/**
 * Remove what findLeftovers found, in the order teardown uses: processes (the whole cgroup is
 * killed), mounts deepest first (lazily when busy), loop devices, cgroups, uid claims, runtime
 * dirs. One failure never stops the rest.
 */
export async function sweepLeftovers(found: DataDirLeftovers[]): Promise<SweepResult> {
  const tools = findHostTools();
  const result: SweepResult = { removed: [], failed: [] };
  const attempt = async (item: Leftover, work: () => Promise<void>) => {
    try {
      await work();
      result.removed.push(item);
    } catch (err) {
      result.failed.push({ ...item, error: err instanceof Error ? err.message : String(err) });
    }
  };
  for (const dir of found) {
    const killed = new Set<string>();
    const of = (kind: Leftover['kind']) => dir.items.filter((i) => i.kind === kind);
    for (const p of of('process')) {
      await attempt(p, async () => {
        const id = p.sandbox_id!;
        if (!killed.has(id)) await dir.cgroups?.killAll(id);
        killed.add(id);
      });
    }
    for (const m of of('mount')) await attempt(m, () => unmountAll(tools.umount, m.id));
    for (const l of of('loop_device')) {
      await attempt(l, async () => {
        // A device still busy is marked autoclear and goes with its last user.
        await runCommand(tools.losetup, ['-d', l.id]);
      });
    }
    for (const c of of('cgroup')) {
      await attempt(c, async () => {
        await dir.cgroups?.killAll(c.sandbox_id!);
        await dir.cgroups?.remove(c.sandbox_id!);
      });
    }
    await dir.cgroups?.removeParent();
    for (const u of of('uid_claim')) await attempt(u, async () => fs.rmSync(u.id, { force: true }));
    for (const r of of('runtime_dir')) {
      await attempt(r, async () => {
        // A recursive remove crosses mount points: never into a workspace still mounted.
        if (mountPoints().some((m) => m.startsWith(`${r.id}/`))) {
          throw new Error(`${r.id} still has mounts under it`);
        }
        fs.rmSync(r.id, { recursive: true, force: true });
      });
    }
  }
  return result;
}
