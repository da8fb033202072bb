import { parseArgs } from 'node:util';
import { execFrames, type ApiClient } from '../apiClient.js';
import { UsageError, keyValues } from '../args.js';

/**
 * `paddock exec ID [--cwd DIR] [--env K=V] [--timeout MS] -- CMD [ARGS...]` streams the output
 * and exits with the command's code. One word after `--` runs through `sh -c`; several are argv.
 */
export async function exec(api: ApiClient, argv: string[]): Promise<number> {
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
  if (!id) throw new UsageError('paddock exec needs a sandbox id');
  const cmd = argv.slice(dash + 1);
  const body = {
    ...(cmd.length === 1 ? { command: cmd[0] } : { argv: cmd }),
    ...(values.cwd ? { cwd: values.cwd } : {}),
    ...(values.env ? { env: keyValues(values.env) } : {}),
    ...(values.timeout ? { timeout_ms: Number(values.timeout) } : {}),
  };
  const res = await api.request('POST', `/v1/sandboxes/${id}/exec`, {
    json: body,
    accept: 'text/event-stream',
  });
  if (!res.body) throw new Error('the daemon sent no stream');
  for await (const frame of execFrames(res.body)) {
    if (frame.event === 'stdout') process.stdout.write(frame.data.text);
    else if (frame.event === 'stderr') process.stderr.write(frame.data.text);
    else if (frame.event === 'error') {
      console.error(`paddock: ${frame.data.code}: ${frame.data.message}`);
      return 1;
    } else if (frame.event === 'exit') {
      const result = frame.data;
      if (result.state !== 'exited') {
        console.error(
          `paddock: command ${result.state}${result.signal ? ` (${result.signal})` : ''}`,
        );
      }
      return result.exit_code ?? 128 + (result.state === 'timed_out' ? 14 : 9);
    }
  }
  console.error('paddock: the stream ended without an exit status');
  return 1;
}
