import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { PaddockError } from '@paddock/shared';
import { AgentClient } from '../src/client/index.js';

export const AGENT = fileURLToPath(new URL('../dist/agent.mjs', import.meta.url));

export interface Harness {
  tmp: string;
  ws: string;
  socket: string;
  proc: ChildProcess;
  client: AgentClient;
  /** The agent's first stdout line, parsed. */
  ready: Record<string, unknown>;
  /** SIGTERM (graceful path), then SIGKILL if needed; removes the temp dir. Returns the exit code. */
  stop(): Promise<number | null>;
}

export interface StartOptions {
  /**
   * Starts the agent with this oom_score_adj, set by a shell that then execs node (the way the
   * driver's launcher hands down its own). Lowering it needs CAP_SYS_RESOURCE.
   */
  oomScoreAdj?: number;
}

/** Runs the real bundled agent on a unix socket in a fresh temp dir. */
export async function startAgent(
  env: Record<string, string> = {},
  options: StartOptions = {},
): Promise<Harness> {
  if (!existsSync(AGENT)) {
    throw new Error(`${AGENT} is missing: run \`npm run build -w @paddock/guest-agent\` first`);
  }
  const tmp = await mkdtemp(path.join(tmpdir(), 'paddock-agent-'));
  const ws = path.join(tmp, 'ws');
  const socket = path.join(tmp, 'agent.sock');
  const agentArgv = [process.execPath, AGENT, '--socket', socket, '--workspace', ws];
  const [file, ...args] =
    options.oomScoreAdj === undefined
      ? agentArgv
      : [
          '/bin/sh',
          '-c',
          `echo ${options.oomScoreAdj} > /proc/self/oom_score_adj && exec "$@"`,
          'sh',
          ...agentArgv,
        ];
  const proc = spawn(file as string, args, {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(proc, 'exit');
  let stdout = '';
  proc.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  const client = new AgentClient({ transport: 'unix', socketPath: socket });

  const stop = async (): Promise<number | null> => {
    client.close();
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(tmp, { recursive: true, force: true });
    return proc.exitCode;
  };
  let ready: Record<string, unknown>;
  try {
    await client.waitUntilReady({ timeoutMs: 10_000 });
    while (!stdout.includes('\n')) await sleep(2);
    ready = JSON.parse(stdout.slice(0, stdout.indexOf('\n'))) as Record<string, unknown>;
  } catch (err) {
    // Leave no process or temp dir behind when the agent did not come up.
    await stop();
    throw err;
  }
  return { tmp, ws, socket, proc, client, ready, stop };
}

/** Whether a pid is gone. A zombie counts as gone: it no longer runs, it only awaits reaping. */
function isGone(pid: number, stat: string | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return true;
    throw err;
  }
  return stat !== null && / Z /.test(stat.slice(stat.lastIndexOf(')')));
}

/** Waits until `pid` has exited; false if it is still alive after `limitMs`. */
export async function waitGone(pid: number, limitMs = 5000): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
    if (isGone(pid, stat)) return true;
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
}

/** Polls `fn` until it returns a value that is not undefined. */
export async function eventually<T>(fn: () => Promise<T | undefined>, limitMs = 5000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

/** The error a promise rejects with, asserting it is a PaddockError. */
export async function paddockError(p: Promise<unknown>): Promise<PaddockError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PaddockError) return err;
    throw err;
  }
  throw new Error('expected a PaddockError, but the call succeeded');
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: unknown;
}

/** A request below the client, for malformed input the client would never send. */
export function rawRequest(
  socketPath: string,
  opts: {
    method: string;
    path: string;
    headers?: Record<string, string | number>;
    body?: string | Buffer;
  },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    // A fresh connection each time: a request that lies about its length must not poison the next.
    const req = http.request({
      socketPath,
      agent: false,
      method: opts.method,
      path: opts.path,
      headers: opts.headers,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        req.destroy();
      });
    });
    req.end(opts.body);
  });
}

export function errorCode(r: RawResponse): unknown {
  return (r.json as { error?: { code?: unknown } } | undefined)?.error?.code;
}
