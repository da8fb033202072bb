import { parseArgs } from 'node:util';
import type { ExecResult } from '@paddock/shared';
import { ROUTES, type Paddock } from '@paddock/sdk';
import { UsageError, keyValues } from '../args.js';
import { isJson } from '../output.js';

/**
 * `paddock exec ID [--cwd DIR] [--env K=V] [--timeout MS] -- CMD [ARGS...]` streams the output
 * and exits with the command's code. One word after `--` runs through `sh -c`; several are argv.
 * With --json the output is buffered and printed as the API's result, and the code is the same.
 */
export async function exec(pd: Paddock, argv: string[]): Promise<number> {
  const dash = argv.indexOf('--');
  if (dash < 0 || dash === argv.length - 1) {
    throw new UsageError(
      'usage: paddock exec ID [--cwd DIR] [--env K=V]... [--timeout MS] -- CMD [ARGS...]',
    );
  }
  const { values, positionals } = parseArgs({
    args: argv.slice(0, dash),
    allowPositionals: true,
    options: {
      cwd: { type: 'string' },
      env: { type: 'string', multiple: true },
      timeout: { type: 'string' },
    },
  });
  const id = positionals[0];
  if (!id || positionals.length > 1) throw new UsageError('paddock exec needs one sandbox id');
  const words = argv.slice(dash + 1);
  const cmd = words.length === 1 ? words[0]! : words;
  const options = {
    ...(values.cwd ? { cwd: values.cwd } : {}),
    ...(values.env ? { env: keyValues(values.env) } : {}),
    ...(values.timeout ? { timeoutMs: Number(values.timeout) } : {}),
  };
  let result: ExecResult;
  if (isJson()) {
    result = (await pd.transport.call(ROUTES.exec.exec, {
      params: { id },
      body: {
        ...(typeof cmd === 'string' ? { command: cmd } : { argv: cmd }),
        ...(options.cwd ? { cwd: options.cwd } : {}),
        ...(options.env ? { env: options.env } : {}),
        ...(options.timeoutMs ? { timeout_ms: options.timeoutMs } : {}),
      },
    })) as ExecResult;
    console.log(JSON.stringify(result, null, 2));
  } else {
    result = await pd.sandboxes.connect(id).exec(cmd, {
      ...options,
      onStdout: (text) => process.stdout.write(text),
      onStderr: (text) => process.stderr.write(text),
    });
    if (result.state !== 'exited') {
      console.error(
        `paddock: command ${result.state}${result.signal ? ` (${result.signal})` : ''}`,
      );
    }
  }
  return result.exit_code ?? 128 + (result.state === 'timed_out' ? 14 : 9);
}
