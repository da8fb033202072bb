import { parseArgs } from 'node:util';
import { AppConfig, type ConfigEntry, type ConfigInput, type Paddock } from '@paddock/sdk';
import { ACCESS_POLICIES, type AccessPolicy } from '@paddock/shared';
import { UsageError } from '../args.js';
import { emit, emitTable } from '../output.js';
import { readSecret } from '../secretInput.js';

/** A secret's value is never shown: only whether one is set. */
function shown(e: ConfigEntry): string {
  if (e.sensitive) return e.value_set ? '(secret, set)' : '(secret, not set)';
  return e.value ?? '';
}

/** `paddock config ls|set|rm`: an app's config and secrets. */
export async function config(pd: Paddock, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      secret: { type: 'boolean' },
      access: { type: 'string' },
      'inject-host': { type: 'string', multiple: true },
      'inject-header': { type: 'string' },
      'inject-format': { type: 'string' },
    },
  });
  const [appId, key, value] = positionals;
  if (!appId) throw new UsageError('usage: paddock config ls|set|rm APP ...');
  const cfg = new AppConfig(pd.transport, appId);
  switch (sub) {
    case 'ls': {
      if (positionals.length !== 1) break;
      emitTable(await cfg.list(), ['KEY', 'VALUE', 'ACCESS'], (e) => [
        e.key,
        shown(e),
        e.access_policy,
      ]);
      return 0;
    }
    case 'set': {
      if (!key || positionals.length > 3) break;
      if (values.access && !ACCESS_POLICIES.includes(values.access as AccessPolicy)) {
        throw new UsageError(`--access is one of ${ACCESS_POLICIES.join(', ')}`);
      }
      const access: Pick<ConfigInput, 'access_policy' | 'inject'> = {
        ...(values.access ? { access_policy: values.access as AccessPolicy } : {}),
        ...injectRule(values),
      };
      let entry: ConfigEntry;
      if (values.secret) {
        if (value !== undefined) {
          throw new UsageError('a secret is read from stdin or a prompt, never from the arguments');
        }
        const secret = await readSecret(`value of ${key} (not echoed): `);
        entry = await cfg.setSecret(key, secret);
        if (Object.keys(access).length > 0) entry = await cfg.update(key, access);
      } else {
        if (value === undefined) break;
        entry = await setPlain(cfg, key, value, access);
      }
      emit(entry, (e) => console.log(`${e.key}\t${shown(e)}`));
      return 0;
    }
    case 'rm': {
      if (!key || positionals.length !== 2) break;
      await cfg.delete(key);
      emit({ deleted: key }, () => console.log(key));
      return 0;
    }
  }
  throw new UsageError(
    `usage: paddock config ${sub ?? 'ls|set|rm'} APP ... (see paddock config --help)`,
  );
}

/** Adds a plain value, or replaces the one there. */
async function setPlain(
  cfg: AppConfig,
  key: string,
  value: string,
  access: Pick<ConfigInput, 'access_policy' | 'inject'>,
): Promise<ConfigEntry> {
  try {
    return await cfg.set({ key, value, ...access });
  } catch (err) {
    if ((err as { code?: string }).code !== 'already_exists') throw err;
    return cfg.update(key, { value, ...access });
  }
}

/**
 * `--inject-host H… --inject-header NAME [--inject-format F]`: the egress proxy puts the value
 * into that header of requests to those hosts (format `{value}` by default, e.g. `Bearer {value}`).
 */
function injectRule(values: {
  'inject-host'?: string[];
  'inject-header'?: string;
  'inject-format'?: string;
}): Pick<ConfigInput, 'inject'> {
  const hosts = values['inject-host'] ?? [];
  const header = values['inject-header'];
  if (hosts.length === 0 && header === undefined && values['inject-format'] === undefined)
    return {};
  if (hosts.length === 0 || header === undefined) {
    throw new UsageError('an injection needs --inject-host (one or more) and --inject-header');
  }
  return { inject: { hosts, header, format: values['inject-format'] ?? '{value}' } };
}
