import { parseArgs } from 'node:util';
import { findLeftovers, sweepLeftovers, type Leftover } from '@paddock/driver-local';
import { emit, printTable } from '../output.js';

const HEADER = ['KIND', 'ID', 'SANDBOX', 'DATA DIR', 'WHY'];
const row = (l: Leftover) => [l.kind, l.id, l.sandbox_id ?? '-', l.data_dir, l.why];

/**
 * `paddock gc`: host state left by sandboxes whose data dir is gone or whose daemon is not
 * running. Lists it; `--yes` removes it. Runs on this host as root, with no daemon.
 */
export async function gc(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { yes: { type: 'boolean' }, 'runtime-dir': { type: 'string' } },
  });
  if (process.getuid?.() !== 0) {
    console.error(
      'paddock gc: must run as root (it reads and removes mounts, cgroups and uid claims)',
    );
    return 1;
  }
  const found = await findLeftovers({
    runtimeRoot: values['runtime-dir'],
    include: 'gone_or_dead',
  });
  const items = found.flatMap((d) => d.items);
  if (values.yes !== true) {
    emit({ removed: false, items }, () => {
      printTable(items, HEADER, row);
      if (items.length > 0)
        console.error('paddock gc: nothing removed; run with --yes to remove these');
    });
    return 0;
  }
  const result = await sweepLeftovers(found);
  emit({ removed: true, items: result.removed, failed: result.failed }, () => {
    printTable(result.removed, HEADER, row);
    for (const f of result.failed)
      console.error(`paddock gc: could not remove ${f.kind} ${f.id}: ${f.error}`);
  });
  return 0;
}
