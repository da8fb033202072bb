import type { BodyOf, Paddock, ROUTES } from '@paddock/sdk';
import { UsageError, keyValues } from '../args.js';
import { emit } from '../output.js';
import { formatTable } from '../table.js';

type SettingsView = Awaited<ReturnType<Paddock['instance']['settings']>>;

/** Each setting with its value and where it comes from (`default` or `stored`). */
function printSettings(view: SettingsView, only?: string): void {
  const { sources, ...values } = view;
  const rows = Object.entries(values)
    .filter(([k]) => only === undefined || k === only)
    .map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v), sources[k] ?? '-']);
  console.log(formatTable(['SETTING', 'VALUE', 'SOURCE'], rows));
}

/** A value as JSON when it parses (numbers, objects), else as the text given. */
function settingValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** `paddock settings get [KEY]` and `paddock settings set KEY=VALUE...`. */
export async function settings(pd: Paddock, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'get' && rest.length <= 1) {
    const view = await pd.instance.settings();
    const key = rest[0];
    if (key !== undefined && !(key in view)) throw new UsageError(`no setting "${key}"`);
    emit(key === undefined ? view : { [key]: view[key as keyof SettingsView] }, () =>
      printSettings(view, key),
    );
    return 0;
  }
  if (sub === 'set' && rest.length > 0) {
    const change = Object.fromEntries(
      Object.entries(keyValues(rest)).map(([k, v]) => [k, settingValue(v)]),
    ) as BodyOf<typeof ROUTES.settings.patch>;
    const view = await pd.instance.updateSettings(change);
    emit(view, (v) => printSettings(v));
    return 0;
  }
  throw new UsageError('usage: paddock settings get [KEY] | paddock settings set KEY=VALUE...');
}
