import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { Paddock } from '@paddock/sdk';
import { UsageError } from '../args.js';
import { emit, isJson } from '../output.js';

/** The desktop's "open this URL" program, by platform. */
const OPENERS: Record<string, string> = { darwin: 'open', win32: 'explorer' };

/**
 * `paddock open APP [--print]`: the app's preview in the browser. With --print, --json, or no
 * opener on this machine (a server, a container), the URL is printed instead.
 */
export async function open(pd: Paddock, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { print: { type: 'boolean' } },
  });
  if (positionals.length !== 1) throw new UsageError('usage: paddock open APP [--print]');
  const url = (await pd.apps.get(positionals[0]!)).info.sandbox?.preview.url;
  if (!url) {
    console.error('paddock: this app has no preview (no web process)');
    return 1;
  }
  if (values.print || isJson() || !(await launch(OPENERS[process.platform] ?? 'xdg-open', url))) {
    emit({ url }, () => console.log(url));
  }
  return 0;
}

/** Starts the opener, detached; false when it is not installed or fails at once. */
function launch(opener: string, url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}
