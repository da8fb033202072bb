import { parseArgs } from 'node:util';
import type { Paddock } from '@paddock/sdk';
import { UsageError } from '../args.js';
import { emit, emitTable } from '../output.js';
import { formatFields } from '../table.js';

const ROLES = ['admin', 'user', 'agent'] as const;
type Role = (typeof ROLES)[number];

/** `paddock keys create|ls|revoke`: API keys. A new key's token is printed this once. */
export async function apiKeys(pd: Paddock, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { role: { type: 'string' }, owner: { type: 'string' } },
  });
  switch (sub) {
    case 'create': {
      if (positionals.length !== 1) break;
      if (values.role && !ROLES.includes(values.role as Role)) {
        throw new UsageError(`--role is one of ${ROLES.join(', ')}`);
      }
      const created = await pd.instance.createApiKey({
        name: positionals[0]!,
        ...(values.role ? { role: values.role as Role } : {}),
        ...(values.owner ? { owner: values.owner } : {}),
      });
      emit(created, ({ key, token }) => {
        console.log(token);
        console.error(
          formatFields([
            ['id', key.id],
            ['owner', key.owner],
            ['role', key.role],
          ]),
        );
        console.error('the token is shown this once: keep it now');
      });
      return 0;
    }
    case 'ls': {
      if (positionals.length !== 0) break;
      emitTable(
        await pd.instance.apiKeys(),
        ['ID', 'NAME', 'OWNER', 'ROLE', 'PREFIX', 'LAST USED'],
        (k) => [k.id, k.name, k.owner, k.role, k.prefix, k.last_used_at],
      );
      return 0;
    }
    case 'revoke': {
      if (positionals.length !== 1) break;
      await pd.instance.revokeApiKey(positionals[0]!);
      emit({ revoked: positionals[0] }, () => console.log(positionals[0]));
      return 0;
    }
  }
  throw new UsageError('usage: paddock keys create NAME [--role ROLE] | ls | revoke KEY_ID');
}
