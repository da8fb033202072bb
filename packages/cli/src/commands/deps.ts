import { parseArgs } from 'node:util';
import type { Paddock } from '@paddock/sdk';
import { UsageError } from '../args.js';
import { emit } from '../output.js';
import { formatTable } from '../table.js';

type Report = Awaited<ReturnType<Paddock['instance']['updateDependencies']>>;

/** The report as three tables: the caches, the apps, the entries pruned. */
function printReport(r: Report): void {
  const note = (s: string | null) => s ?? '';
  console.log(
    formatTable(
      ['CACHE', 'KIND', 'KEY', 'OUTCOME', 'REASON'],
      r.caches.map((c) => [c.name, c.kind, c.key, c.outcome, note(c.reason)]),
    ),
  );
  console.log('');
  if (r.apps.length === 0) console.log('(no apps of npm presets)');
  else {
    console.log(
      formatTable(
        ['APP', 'OWNER', 'NAME', 'PRESET', 'OUTCOME', 'REASON'],
        r.apps.map((a) => [a.app_id, a.owner, a.name, a.preset, a.outcome, note(a.reason)]),
      ),
    );
  }
  if (r.pruned.length > 0) {
    console.log('');
    console.log(
      formatTable(
        ['ENTRY', 'OUTCOME', 'REASON'],
        r.pruned.map((p) => [p.entry, p.outcome, note(p.reason)]),
      ),
    );
  }
  if (r.dry_run) console.error('paddock deps update: dry run, nothing changed');
}

/** `paddock deps update [--dry-run] [--prune]` (admin). Exits 1 when something failed. */
export async function deps(pd: Paddock, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'update') throw new UsageError('usage: paddock deps update [--dry-run] [--prune]');
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { 'dry-run': { type: 'boolean' }, prune: { type: 'boolean' } },
  });
  if (positionals.length > 0) {
    throw new UsageError('usage: paddock deps update [--dry-run] [--prune]');
  }
  const report = await pd.instance.updateDependencies({
    dry_run: values['dry-run'] === true,
    prune: values.prune === true,
  });
  emit(report, printReport);
  const failed = [...report.caches, ...report.apps, ...report.pruned].some(
    (x) => x.outcome === 'failed',
  );
  return failed ? 1 : 0;
}
