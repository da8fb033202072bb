import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { ROUTES, type Paddock, type QueryOf } from '@paddock/sdk';
import { UsageError } from '../args.js';
import { emit, printTable } from '../output.js';
import { progressCounter } from '../progress.js';

type AuditQuery = NonNullable<QueryOf<typeof ROUTES.audit.list>>;
const OUTCOMES = ['ok', 'denied', 'failed'] as const;

/** `paddock audit ls [filters]` and `paddock audit export [filters] [-o FILE]` (admin). */
export async function audit(pd: Paddock, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      action: { type: 'string' },
      owner: { type: 'string' },
      outcome: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      limit: { type: 'string' },
      output: { type: 'string', short: 'o' },
    },
  });
  if (positionals.length)
    throw new UsageError(`usage: paddock audit ${sub ?? 'ls|export'} [--action A] ...`);
  if (values.outcome && !OUTCOMES.includes(values.outcome as (typeof OUTCOMES)[number])) {
    throw new UsageError(`--outcome is one of ${OUTCOMES.join(', ')}`);
  }
  const query: AuditQuery = {
    ...(values.action ? { action: values.action } : {}),
    ...(values.owner ? { owner: values.owner } : {}),
    ...(values.outcome ? { outcome: values.outcome as AuditQuery['outcome'] & string } : {}),
    ...(values.since ? { since: values.since } : {}),
    ...(values.until ? { until: values.until } : {}),
  };
  if (sub === 'ls') {
    const page = await pd.instance.audit({
      ...query,
      ...(values.limit ? { limit: Number(values.limit) } : {}),
    });
    emit(page, (p) =>
      printTable(p.items, ['AT', 'ACTION', 'OUTCOME', 'OWNER', 'TARGET'], (e) => [
        e.at,
        e.action,
        e.outcome,
        e.actor.owner,
        e.target ? `${e.target.type}:${e.target.id}` : null,
      ]),
    );
    return 0;
  }
  if (sub === 'export') {
    const res = await pd.transport.send(ROUTES.audit.export, { query });
    const out = values.output ? fs.createWriteStream(values.output) : process.stdout;
    await pipeline(Readable.fromWeb(res.body as never), progressCounter('exporting'), out);
    return 0;
  }
  throw new UsageError('usage: paddock audit ls|export [--action A] [--owner O] ...');
}
