import { Egress, type EgressPolicy, type Paddock } from '@paddock/sdk';
import { UsageError } from '../args.js';
import { emit, printTable } from '../output.js';

/** Sandbox ids start with `sb`; anything else names an app. */
function target(pd: Paddock, id: string): Egress {
  return new Egress(pd.transport, id.startsWith('sb') ? 'sandbox' : 'app', id);
}

/** Every rule in force with its source (the manifest's baseline first), then when set. */
function printPolicy(p: EgressPolicy): void {
  printTable(p.rules, ['HOST', 'ACTION', 'SOURCE'], (r) => [r.host, r.action, r.source]);
}

/** `paddock egress get|allow|deny|denials APP|SANDBOX`. */
export async function egress(pd: Paddock, argv: string[]): Promise<number> {
  const [sub, id, ...hosts] = argv;
  if (!id)
    throw new UsageError('usage: paddock egress get|allow|deny|denials APP|SANDBOX [HOST...]');
  const e = target(pd, id);
  switch (sub) {
    case 'get':
      if (hosts.length) break;
      emit(await e.get(), printPolicy);
      return 0;
    case 'allow':
    case 'deny':
      if (!hosts.length) break;
      emit(await (sub === 'allow' ? e.allow(hosts) : e.deny(hosts)), printPolicy);
      return 0;
    case 'denials': {
      if (hosts.length) break;
      const got = await e.denials();
      emit(got, () =>
        printTable(got.items, ['AT', 'HOST', 'PORT', 'KIND', 'REASON'], (d) => [
          d.at,
          d.host,
          d.port,
          d.kind,
          d.reason,
        ]),
      );
      return 0;
    }
  }
  throw new UsageError(`usage: paddock egress ${sub ?? 'get|allow|deny|denials'} APP|SANDBOX ...`);
}
