import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { stat } from 'node:fs/promises';
import {
  AGENT_LIMITS,
  PaddockError,
  encodeExecFrame,
  type ExecRequest,
  type ExecResult,
} from '@paddock/shared';
import { Child } from './child.js';
import { buildChildEnv, type EnvMap } from './env.js';
import { fsError } from './fsErrors.js';
import {
  optBoolean,
  optInteger,
  optString,
  rejectUnknownFields,
  requireJsonObject,
  sendJson,
  type JsonObject,
} from './http.js';
import type { ProcessRegistry } from './processes.js';
import type { Workspace } from './workspacePath.js';

/** After the leader exits, how long a foreground exec waits for pipes a grandchild still holds. */
const FOREGROUND_DRAIN_MS = 100;

/** The fields of `ExecRequest`; the types keep the two in step. */
const EXEC_FIELDS = [
  'command',
  'argv',
  'cwd',
  'env',
  'stdin',
  'timeout_ms',
  'background',
] as const satisfies readonly (keyof ExecRequest)[];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export interface ExecContext {
  workspace: Workspace;
  registry: ProcessRegistry;
  /** Sandbox-level env, already scrubbed. */
  inheritedEnv: EnvMap;
  /** True once shutdown was requested: from then on nothing new may be spawned. */
  stopping: () => boolean;
}

function noNul(value: string, field: string): string {
  if (value.includes('\0')) throw new PaddockError('bad_request', `${field} contains a NUL byte`);
  return value;
}

/** Checks a body against `ExecRequest` (the same bounds as the public API's `ExecBody`). */
export function parseExecRequest(body: JsonObject): ExecRequest {
  rejectUnknownFields(body, EXEC_FIELDS);
  const req: ExecRequest = {};
  const command = optString(body, 'command', { min: 1, max: 65536 });
  if (command !== undefined) req.command = noNul(command, 'command');
  if (body.argv !== undefined) {
    const argv = body.argv;
    if (!Array.isArray(argv) || argv.length < 1 || argv.length > 4096) {
      throw new PaddockError('bad_request', 'argv must be an array of 1 to 4096 strings');
    }
    req.argv = argv.map((a, i) => {
      if (typeof a !== 'string' || a.length > 65536) {
        throw new PaddockError(
          'bad_request',
          `argv[${i}] must be a string of at most 65536 characters`,
        );
      }
      return noNul(a, `argv[${i}]`);
    });
    if (req.argv[0] === '') throw new PaddockError('bad_request', 'argv[0] must not be empty');
  }
  if ((req.command === undefined) === (req.argv === undefined)) {
    throw new PaddockError('bad_request', 'give exactly one of command and argv');
  }
  const cwd = optString(body, 'cwd', { min: 1, max: 4096 });
  if (cwd !== undefined) req.cwd = cwd;
  if (body.env !== undefined) {
    const env = body.env;
    if (env === null || typeof env !== 'object' || Array.isArray(env)) {
      throw new PaddockError('bad_request', 'env must be an object of strings');
    }
    const entries = Object.entries(env);
    if (entries.length > 256)
      throw new PaddockError('bad_request', 'env has more than 256 entries');
    const out: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [k, v] of entries) {
      if (!ENV_NAME.test(k)) throw new PaddockError('bad_request', `invalid env name: ${k}`);
      if (typeof v !== 'string' || v.length > 32768) {
        throw new PaddockError(
          'bad_request',
          `env.${k} must be a string of at most 32768 characters`,
        );
      }
      out[k] = noNul(v, `env.${k}`);
    }
    req.env = out;
  }
  const stdin = optString(body, 'stdin', { max: 8 * 1024 * 1024 });
  if (stdin !== undefined) req.stdin = stdin;
  const timeout = optInteger(body, 'timeout_ms', 1, AGENT_LIMITS.maxTimeoutMs);
  if (timeout !== undefined) req.timeout_ms = timeout;
  const background = optBoolean(body, 'background');
  if (background !== undefined) req.background = background;
  return req;
}

/** How a process shows in `ProcessInfo.command`: the command, or argv quoted for a shell. */
export function displayCommand(req: ExecRequest): string {
  if (req.command !== undefined) return req.command;
  return (req.argv ?? [])
    .map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}

async function spawnFor(req: ExecRequest, ctx: ExecContext, drainMs?: number): Promise<Child> {
  const ws = ctx.workspace;
  const cwd = await ws.resolveRead(req.cwd ?? '.');
  const isDir = await stat(cwd.real).then(
    (st) => st.isDirectory(),
    (err: unknown) => {
      throw fsError(err, cwd.rel);
    },
  );
  if (!isDir) throw new PaddockError('not_a_directory', `cwd is not a directory: ${cwd.rel}`);
  const logicalCwd = cwd.rel === '.' ? ws.root : path.join(ws.root, cwd.rel);
  const env = buildChildEnv({
    workspace: ws.root,
    cwd: logicalCwd,
    inherited: ctx.inheritedEnv,
    explicit: req.env,
  });
  const [file, args] =
    req.command !== undefined
      ? ['/bin/sh', ['-c', req.command]]
      : [(req.argv as string[])[0] as string, (req.argv as string[]).slice(1)];
  // Checked again here, with no await before the spawn: a request that passed the router's check
  // and then read its body or checked its cwd while shutdown began would otherwise start a child
  // after shutdown took its list of children, and that child would never be stopped.
  if (ctx.stopping()) throw new PaddockError('sandbox_unavailable', 'the agent is shutting down');
  const child = new Child({
    file,
    args,
    cwd: cwd.real,
    env,
    stdin: req.stdin,
    timeoutMs: req.timeout_ms,
    drainMs,
  });
  ctx.registry.track(child);
  return child;
}

/** Keeps the first `cap` bytes of a stream and notes whether more came. */
class CappedBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly cap: number) {}

  push(chunk: Buffer): void {
    const room = this.cap - this.size;
    if (chunk.length > room) {
      this.truncated = true;
      if (room <= 0) return;
      chunk = chunk.subarray(0, room);
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  text(): string {
    let bytes = Buffer.concat(this.chunks, this.size);
    if (this.truncated) bytes = bytes.subarray(0, completeUtf8Length(bytes));
    return bytes.toString('utf8');
  }
}

/** Length of `bytes` without a UTF-8 sequence cut off at the end. */
function completeUtf8Length(bytes: Buffer): number {
  let i = bytes.length - 1;
  let back = 0;
  while (i >= 0 && back < 3 && ((bytes[i] as number) & 0xc0) === 0x80) {
    i--;
    back++;
  }
  if (i < 0) return bytes.length;
  const lead = bytes[i] as number;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return i + need > bytes.length ? i : bytes.length;
}

/** Ends the process group if the client goes away before the answer was sent. */
function killOnDisconnect(res: ServerResponse, child: Child): void {
  res.once('close', () => {
    if (!res.writableFinished && child.groupMayLive) child.kill('SIGKILL');
  });
}

async function runBuffered(res: ServerResponse, child: Child): Promise<void> {
  const out = new CappedBuffer(AGENT_LIMITS.execOutputBytes);
  const err = new CappedBuffer(AGENT_LIMITS.execOutputBytes);
  child.stdout?.on('data', (c: Buffer) => out.push(c));
  child.stderr?.on('data', (c: Buffer) => err.push(c));
  killOnDisconnect(res, child);
  const outcome = await child.exited;
  await child.settled;
  if (child.spawnError !== null) err.push(Buffer.from(child.spawnError));
  const result: ExecResult = {
    exit_code: outcome.exit_code,
    signal: outcome.signal,
    stdout: out.text(),
    stderr: err.text(),
    stdout_truncated: out.truncated,
    stderr_truncated: err.truncated,
    duration_ms: outcome.duration_ms,
    state: outcome.state,
  };
  if (!res.destroyed) sendJson(res, 200, result);
}

async function runStreaming(res: ServerResponse, child: Child): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
  });
  killOnDisconnect(res, child);
  if (child.pid !== undefined)
    res.write(encodeExecFrame({ event: 'start', data: { pid: child.pid } }));

  const pipe = (stream: typeof child.stdout, event: 'stdout' | 'stderr'): void => {
    if (!stream) return;
    // Decoding per stream keeps a multi-byte character split across reads in one piece.
    const decoder = new StringDecoder('utf8');
    const emit = (text: string): void => {
      if (text === '' || res.destroyed) return;
      // Pause the child's pipe while the client is slow, instead of buffering without bound.
      if (!res.write(encodeExecFrame({ event, data: { text } }))) {
        stream.pause();
        res.once('drain', () => stream.resume());
      }
    };
    stream.on('data', (c: Buffer) => emit(decoder.write(c)));
    stream.once('close', () => emit(decoder.end()));
    // Once the client is gone nothing will drain: let the output flow, and be dropped.
    res.once('close', () => stream.resume());
  };
  pipe(child.stdout, 'stdout');
  pipe(child.stderr, 'stderr');

  const outcome = await child.exited;
  await child.settled;
  if (res.destroyed) return;
  if (child.spawnError !== null) {
    res.write(encodeExecFrame({ event: 'stderr', data: { text: child.spawnError } }));
  }
  res.end(
    encodeExecFrame({
      event: 'exit',
      data: {
        exit_code: outcome.exit_code,
        signal: outcome.signal,
        stdout_truncated: false,
        stderr_truncated: false,
        duration_ms: outcome.duration_ms,
        state: outcome.state,
      },
    }),
  );
}

/** POST /exec: buffered, streamed (Accept: text/event-stream) or background. */
export async function handleExec(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ExecContext,
): Promise<void> {
  const execReq = parseExecRequest(await requireJsonObject(req));
  if (execReq.background) {
    const child = await spawnFor(execReq, ctx);
    sendJson(res, 201, ctx.registry.startBackground(child, displayCommand(execReq)));
    return;
  }
  const child = await spawnFor(execReq, ctx, FOREGROUND_DRAIN_MS);
  const wantsStream = /\btext\/event-stream\b/i.test(req.headers.accept ?? '');
  await (wantsStream ? runStreaming(res, child) : runBuffered(res, child));
}
