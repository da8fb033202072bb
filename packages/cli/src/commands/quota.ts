import type { BodyOf, Paddock, ROUTES } from '@paddock/sdk';
import { UsageError, keyValues } from '../args.js';
import { emit } from '../output.js';
import { formatTable } from '../table.js';

type OwnerQuotas = Awaited<ReturnType<Paddock['instance']['ownerQuotas']>>;

/** One row per owner and quota: the limit (0: none), where it comes from, and what is used. */
function printQuotas(owners: OwnerQuotas[]): void {
  const rows = owners.flatMap((o) =>
    Object.entries(o.quotas).map(([key, q]) => [
      o.owner,
      key,
      q.limit === 0 ? 'none' : String(q.limit),
      q.source,
      String(Math.round(q.used * 100) / 100),
    ]),
  );
  console.log(formatTable(['OWNER', 'QUOTA', 'LIMIT', 'SOURCE', 'USED'], rows));
}

/** `paddock quota ls | get OWNER | set OWNER KEY=VALUE... | clear OWNER` (admin). */
export async function quota(pd: Paddock, argv: string[]): Promise<number> {
  const [sub, owner, ...rest] = argv;
  if (sub === 'ls' && owner === undefined) {
    const owners = await pd.instance.owners();
    emit(owners, printQuotas);
    return 0;
  }
  if (sub === 'get' && owner !== undefined && rest.length === 0) {
    emit(await pd.instance.ownerQuotas(owner), (q) => printQuotas([q]));
    return 0;
  }
  if (sub === 'set' && owner !== undefined && rest.length > 0) {
    const change = Object.fromEntries(
      Object.entries(keyValues(rest)).map(([k, v]) => [
        k,
        v === 'default' ? null : Number.isNaN(Number(v)) ? v : Number(v),
      ]),
    ) as BodyOf<typeof ROUTES.quotas.patch>;
    emit(await pd.instance.setOwnerQuotas(owner, change), (q) => printQuotas([q]));
    return 0;
  }
  if (sub === 'clear' && owner !== undefined && rest.length === 0) {
    emit(await pd.instance.clearOwnerQuotas(owner), (q) => printQuotas([q]));
    return 0;
  }
  throw new UsageError(
    'usage: paddock quota ls | get OWNER | set OWNER KEY=VALUE... (VALUE a number, or default) | clear OWNER',
  );
}
