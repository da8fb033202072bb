import WebSocket from 'ws';
import { PTY_LIMITS, type PtyOutput } from '@paddock/shared';
import { PaddockError } from '@paddock/sdk';
import type { Connection } from '../connection.js';

export interface ShellOptions {
  cwd?: string;
  shell?: string;
}

/** Why the handshake was refused, as the API's error envelope says. */
function refusal(status: number, body: string): PaddockError {
  try {
    const e = (JSON.parse(body) as { error: { code: string; message: string } }).error;
    return new PaddockError(e.code, e.message, status);
  } catch {
    return new PaddockError('http_error', `the daemon answered ${status}`, status);
  }
}

/**
 * `paddock sandbox shell ID`: the sandbox's terminal (`GET /v1/sandboxes/{id}/pty`) in this
 * one. On a TTY, stdin is put in raw mode (Ctrl-C and Ctrl-D go to the sandbox's shell) and the
 * window's size follows this terminal's. Without one, stdin is sent as it comes and its end
 * is the terminal's end of input. Exits with the shell's status.
 */
export async function shell(conn: Connection, id: string, opts: ShellOptions): Promise<number> {
  const out = process.stdout;
  const size = (): { cols: number; rows: number } => ({
    cols: Math.min(PTY_LIMITS.maxCols, out.columns || PTY_LIMITS.defaultCols),
    rows: Math.min(PTY_LIMITS.maxRows, out.rows || PTY_LIMITS.defaultRows),
  });
  const url = new URL(
    `${conn.url.replace(/^http/, 'ws')}/v1/sandboxes/${encodeURIComponent(id)}/pty`,
  );
  const { cols, rows } = size();
  url.searchParams.set('cols', String(cols));
  url.searchParams.set('rows', String(rows));
  if (opts.cwd !== undefined) url.searchParams.set('cwd', opts.cwd);
  if (opts.shell !== undefined) url.searchParams.set('shell', opts.shell);
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${conn.token}` } });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => reject(refusal(res.statusCode ?? 0, body)));
    });
  });

  const stdin = process.stdin;
  const raw = stdin.isTTY;
  if (raw) stdin.setRawMode(true);
  const onInput = (chunk: Buffer): void => ws.send(chunk, { binary: true });
  const onEnd = (): void => ws.send(JSON.stringify({ type: 'eof' }));
  const onResize = (): void => ws.send(JSON.stringify({ type: 'resize', ...size() }));
  stdin.on('data', onInput);
  stdin.once('end', onEnd);
  if (out.isTTY) out.on('resize', onResize);

  let status = 1;
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) {
      out.write(data);
      return;
    }
    const msg = JSON.parse(data.toString('utf8')) as PtyOutput;
    if (msg.type === 'exit') status = msg.code ?? 1;
    else process.stderr.write(`\r\npaddock: ${msg.code}: ${msg.message}\r\n`);
  });
  await new Promise<void>((resolve) => ws.once('close', () => resolve()));
  stdin.off('data', onInput);
  stdin.off('end', onEnd);
  out.off('resize', onResize);
  if (raw) stdin.setRawMode(false);
  stdin.pause();
  return status;
}
