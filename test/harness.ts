import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { LocalDriver } from '@paddock/driver-local';
import { AGENT_BUNDLE_PATH } from '@paddock/guest-agent';
import { ExecStreamParser, type ExecStreamFrame } from '@paddock/shared';

const ROOT = path.resolve(import.meta.dirname, '..');
export const CLI = path.join(ROOT, 'packages/cli/bin/paddock.js');

export interface TestDaemon {
  url: string;
  token: string;
  dataDir: string;
  proc: ChildProcess;
  /** Everything the daemon printed (JSON log lines), for assertions about what is logged. */
  output: () => string;
  api: <T = unknown>(
    method: string,
    p: string,
    body?: unknown,
    token?: string,
  ) => Promise<ApiResponse<T>>;
  /** SIGTERM and wait; sandboxes keep running. */
  stop: () => Promise<number | null>;
}

export interface ApiResponse<T> {
  status: number;
  body: T;
  headers: Headers;
}

/** A throwaway data dir; short, because unix socket paths inside it are length-limited. */
export function tempDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-'));
}

export async function call<T>(
  url: string,
  token: string | undefined,
  method: string,
  p: string,
  body?: unknown,
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  let payload: string | undefined;
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await fetch(`${url}${p}`, { method, headers, body: payload });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('application/json') && text)
    parsed = JSON.parse(text);
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/** Starts the real daemon through the real CLI (`paddock serve`) and waits for /readyz. */
export async function startDaemon(
  opts: {
    dataDir?: string;
    token?: string | null;
    env?: Record<string, string>;
    /** A command that execs the daemon, e.g. `['prlimit', '--nofile=1024:1024', '--']`. */
    wrap?: string[];
    /** Another build's `paddock` CLI (an older version, for an upgrade). */
    cli?: string;
  } = {},
): Promise<TestDaemon> {
  const dataDir = opts.dataDir ?? tempDataDir();
  // null: start without PADDOCK_ADMIN_TOKEN, so the daemon generates one into its data dir.
  const generated = opts.token === null;
  let token = opts.token ?? `test-admin-${randomBytes(16).toString('hex')}`;
  const argv = [...(opts.wrap ?? []), process.execPath, opts.cli ?? CLI, 'serve'];
  const proc = spawn(argv[0]!, argv.slice(1), {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      PADDOCK_PORT: '0',
      PADDOCK_HOST: '127.0.0.1',
      PADDOCK_DATA_DIR: dataDir,
      ...(generated ? {} : { PADDOCK_ADMIN_TOKEN: token }),
      PADDOCK_WARM_POOL: '0',
      // Files run two at a time: a daemon's start-up sweep would race test/hostGc's own gc.
      PADDOCK_SWEEP_AT_START: '0',
      PADDOCK_LOG_LEVEL: 'info',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`daemon did not start:\n${out}`)), 30_000);
      const onData = () => {
        const m = /paddockd listening on (http:\/\/[0-9.:]+)/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          proc.stdout!.off('data', onData);
          proc.stderr!.off('data', onData);
          resolve(m[1]);
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`daemon exited with ${code}:\n${out}`));
      });
    });
  } catch (err) {
    // A daemon that never came up must not outlive the test, nor its throwaway data dir.
    if (proc.exitCode === null) {
      proc.kill('SIGKILL');
      await new Promise((r) => proc.once('exit', r));
    }
    if (!opts.dataDir) await destroyEverything(dataDir);
    throw err;
  }
  if (generated) token = fs.readFileSync(path.join(dataDir, 'state', 'admin-token'), 'utf8').trim();
  const ready = await call(url, undefined, 'GET', '/readyz');
  if (ready.status !== 200) throw new Error(`readyz answered ${ready.status}`);
  return {
    url,
    token,
    dataDir,
    proc,
    output: () => out,
    api: (method, p, body, tk) => call(url, tk ?? token, method, p, body),
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve(proc.exitCode);
        proc.once('exit', (code) => resolve(code));
        proc.kill('SIGTERM');
      }),
  };
}

/**
 * Removes every sandbox a test daemon left behind (processes, mounts, cgroups, files) by going
 * to the driver directly, then the data dir. Used in `after` hooks so a failed test leaks nothing.
 */
export async function destroyEverything(dataDir: string): Promise<void> {
  const driver = await LocalDriver.open({
    dataDir,
    agentBundlePath: AGENT_BUNDLE_PATH,
    warmPoolSize: 0,
    // Its own sandboxes only: a sweep here would race test/hostGc's paddock gc.
    sweepAtStart: false,
    newId: () => `sb${randomBytes(13).toString('hex')}`,
  });
  for (const s of await driver.list()) await driver.destroy(s.id);
  await driver.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

/** Runs a shell command in the sandbox; fails the test unless it exits 0. Its stdout. */
export async function shellOk(d: TestDaemon, sandbox: string, command: string): Promise<string> {
  const res = await d.api<{ stdout: string; stderr: string; exit_code: number }>(
    'POST',
    `/v1/sandboxes/${sandbox}/exec`,
    { command },
  );
  assert.equal(res.body.exit_code, 0, `${command}: ${res.body.stderr}`);
  return res.body.stdout;
}

/** Reads a whole exec stream response into frames. */
export async function readSse(res: Response): Promise<ExecStreamFrame[]> {
  return new ExecStreamParser().push(await res.text());
}

/**
 * A daemon for one `describe`: started in `before`, stopped and cleaned (sandboxes, data dir) in
 * `after`. The returned handle reads through to it, so tests use it like a TestDaemon.
 */
export function suiteDaemon(opts: { env?: Record<string, string> } = {}): TestDaemon {
  const dataDir = tempDataDir();
  let current: TestDaemon | undefined;
  before(async () => {
    current = await startDaemon({ dataDir, ...opts });
  });
  after(async () => {
    await current?.stop();
    await destroyEverything(dataDir);
  });
  return new Proxy({} as TestDaemon, {
    get: (_target, key) => {
      if (!current) throw new Error('the suite daemon is not started yet');
      return current[key as keyof TestDaemon];
    },
  });
}
