import { findLeftovers } from './hostLeftovers.js';
import { sweepLeftovers } from './leftoverSweep.js';
import type { DriverLogger, LocalDriverOptions } from './driverOptions.js';

/**
 * At start: remove what sandboxes of deleted data dirs left on the host. Only deleted ones: a
 * data dir that still exists may belong to a daemon that is about to start again (its
 * sandboxes are re-adopted), and `paddock gc` is the place to decide otherwise. Cheap when
 * there is nothing: a listing of the uid claims and of the runtime root.
 */
export async function sweepDeletedDataDirs(
  options: LocalDriverOptions,
  log: DriverLogger,
): Promise<void> {
  try {
    const found = await findLeftovers({
      runtimeRoot: options.runtimeDir,
      uidClaimDir: options.uidClaimDir,
      include: 'gone',
    });
    if (found.length === 0) return;
    const { removed, failed } = await sweepLeftovers(found);
    for (const dir of found) {
      log.info(
        {
          data_dir: dir.data_dir,
          removed: removed
            .filter((r) => r.data_dir === dir.data_dir)
            .map((r) => `${r.kind} ${r.id}`),
        },
        'removed host state of sandboxes whose data dir is gone',
      );
    }
    for (const f of failed) log.warn({ leftover: f }, 'could not remove host state left behind');
  } catch (err) {
    log.warn({ err }, 'sweeping host state of deleted data dirs failed');
  }
}
