import http, { type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { StringDecoder } from 'node:string_decoder';
import {
  AGENT_BRIDGE_PROTOCOL,
  AGENT_ROUTES,
  AGENT_ERROR_CODES,
  PaddockError,
  isErrorCode,
  type AgentEndpoint,
  type AgentHealth,
  type ExecRequest,
  type ExecResult,
  type ExecStreamFrame,
  type FileListing,
  type FileStat,
  type MkdirRequest,
  type MoveRequest,
  type ProcessInfo,
  type ProcessOutput,
  type SignalName,
  type SupervisedInfo,
  type SupervisedLogs,
  type SupervisedSpec,
  ExecStreamParser,
} from '@paddock/shared';

/*
 * The agent runs inside the sandbox, as the sandbox's uid, so code in the sandbox can replace or
 * impersonate it. Nothing it answers is trusted: every buffered body is capped, every error is
 * checked against the known codes, and anything that is not a well-formed answer becomes
 * `agent_error` (502), never `internal` (which the daemon would render as its own 500).
 */

/** The largest JSON answer buffered: an exec result is at most ~2 MiB of output plus JSON. */
const MAX_REPLY_BYTES = 16 * 1024 * 1024;
/** Error envelopes are small; one this large is not an envelope. */
const MAX_ERROR_BODY_BYTES = 1024 * 1024;
/** Error messages passed on are cut to this many characters. */
const MAX_ERROR_MESSAGE_CHARS = 8192;
/** Exec stream text held without completing a frame (one partial line or frame). */
const MAX_STREAM_FRAME_CHARS = 4 * 1024 * 1024;
/** Stream text is parsed in slices this long, each slice's frames handed out before the next. */
const STREAM_SLICE_CHARS = 64 * 1024;

/** The codes passed on as they are: the agent's own vocabulary, never `unauthorized` and the like. */
const PASSED_ON: ReadonlySet<string> = new Set<string>(AGENT_ERROR_CODES);

export interface AgentClientOptions {
  /** Idle keep-alive connections kept per agent. */
  maxFreeSockets?: number;
}

type Query = Record<string, string | number | boolean | undefined>;

interface RequestSpec {
  method: string;
  path: string;
  query?: Query;
  json?: unknown;
  body?: Readable | Buffer;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function agentError(what: string): PaddockError {
  return new PaddockError('agent_error', `guest agent ${what}`);
}

function isAbort(err: unknown, signal?: AbortSignal): boolean {
  return signal?.aborted === true || (err as Error | null)?.name === 'AbortError';
}

/** Whatever went wrong on the wire, the daemon sees one code: the sandbox did not answer. */
function unavailable(err: unknown): PaddockError {
  const e = err as NodeJS.ErrnoException;
  // node's HTTP parser errors: something answered, but not with HTTP we can read.
  if (typeof e.code === 'string' && e.code.startsWith('HPE_')) {
    return agentError(`sent an invalid HTTP answer (${e.code})`);
  }
  return new PaddockError(
    'sandbox_unavailable',
    `guest agent unreachable: ${e.code ?? e.message ?? String(err)}`,
  );
}

function rethrow(err: unknown, signal?: AbortSignal): never {
  if (err instanceof PaddockError) throw err;
  if (isAbort(err, signal)) throw signal?.reason ?? err;
  throw unavailable(err);
}

function isSuccess(res: IncomingMessage): boolean {
  const status = res.statusCode ?? 0;
  return status >= 200 && status < 300;
}

/**
 * Reads a whole answer body, at most `limit` bytes. Beyond that (declared or sent) the answer is
 * abandoned at once: destroying the response closes the connection, so the rest is never read.
 */
async function readBody(
  res: IncomingMessage,
  limit: number,
  signal?: AbortSignal,
): Promise<Buffer> {
  const tooLarge = (): PaddockError => {
    res.destroy();
    return agentError(`answered with more than ${limit} bytes`);
  };
  if (Number(res.headers['content-length']) > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res) {
      size += (chunk as Buffer).length;
      if (size > limit) throw tooLarge();
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    rethrow(err, signal);
  }
  return Buffer.concat(chunks, size);
}

/**
 * An error code and message from the agent, as far as they can be passed on: a known code, and
 * not a server error other than the two that describe the sandbox. Anything else is agent_error.
 */
function checkedError(error: unknown, context: string): PaddockError {
  if (!isObject(error) || typeof error.code !== 'string') {
    return agentError(`${context} without a valid error body`);
  }
  const code = error.code;
  // The code text itself is not repeated: it came from the sandbox.
  if (!isErrorCode(code)) return agentError(`${context} with an unknown error code`);
  if (!PASSED_ON.has(code)) return agentError(`failed (${context}, ${code})`);
  const message =
    typeof error.message === 'string' && error.message !== ''
      ? error.message.slice(0, MAX_ERROR_MESSAGE_CHARS)
      : code;
  return new PaddockError(code, message);
}

/** An agent error answer, turned back into the PaddockError it was on the agent's side. */
async function errorFrom(res: IncomingMessage, signal?: AbortSignal): Promise<PaddockError> {
  const status = res.statusCode ?? 0;
  if (status < 400) {
    res.destroy();
    return agentError(`answered with unexpected status ${status}`);
  }
  const text = (await readBody(res, MAX_ERROR_BODY_BYTES, signal)).toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return checkedError(isObject(body) ? body.error : undefined, `answered ${status}`);
}

/*
 * Shapes of the answers, checked loosely (extra fields pass) so a reply that is an object but
 * not the expected one is agent_error here, not a crash or a 500 further on in the daemon.
 */
type Check = (v: unknown) => boolean;
const str: Check = (v) => typeof v === 'string';
const int: Check = (v) => Number.isSafeInteger(v);
const num: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const bool: Check = (v) => typeof v === 'boolean';
const orNull =
  (c: Check): Check =>
  (v) =>
    v === null || c(v);
const oneOf =
  (...values: unknown[]): Check =>
  (v) =>
    values.includes(v);
const listOf =
  (c: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(c);
const shape =
  (fields: Record<string, Check>): Check =>
  (v) =>
    isObject(v) && Object.entries(fields).every(([k, c]) => c(v[k]));

const execState = oneOf('exited', 'timed_out', 'oom', 'killed');
const execOutcome = {
  exit_code: orNull(int),
  signal: orNull(str),
  stdout_truncated: bool,
  stderr_truncated: bool,
  duration_ms: num,
  state: execState,
};
const fileStat = shape({
  path: str,
  name: str,
  type: oneOf('file', 'directory', 'symlink', 'other'),
  size: num,
  mode: str,
  modified_at: str,
  link_target: (v) => v === undefined || str(v),
});
const processInfo = shape({
  id: str,
  pid: int,
  command: str,
  status: oneOf('running', 'exited'),
  started_at: str,
  ended_at: orNull(str),
  exit_code: orNull(int),
  signal: orNull(str),
  state: orNull(execState),
});

const supervisedInfo = shape({
  name: str,
  kind: oneOf('web', 'worker'),
  status: oneOf('starting', 'running', 'backoff', 'failed', 'stopped'),
  pid: orNull(int),
  restarts: int,
  since: str,
  exit_code: orNull(int),
  signal: orNull(str),
  health: oneOf('starting', 'ready', 'down', null),
});

const SHAPES = {
  health: shape({ ok: oneOf(true), protocol: int, pid: int, uptime_ms: num, processes: int }),
  execResult: shape({ ...execOutcome, stdout: str, stderr: str }),
  exitFrame: shape(execOutcome),
  processInfo,
  processList: shape({ items: listOf(processInfo) }),
  processOutput: shape({ stdout: str, stderr: str, truncated: bool }),
  written: shape({ path: str, size: num }),
  fileStat,
  fileListing: shape({ path: str, entries: listOf(fileStat), truncated: bool }),
  supervisedInfo,
  supervisorList: shape({ items: listOf(supervisedInfo) }),
  supervisedLogs: shape({ output: str, truncated: bool }),
};

/** A parsed exec stream frame checked against its type; an `error` frame's code like errorFrom. */
function checkFrame(frame: ExecStreamFrame): ExecStreamFrame {
  const data: unknown = frame.data;
  const bad = (): PaddockError => agentError(`sent a malformed ${frame.event} frame`);
  if (!isObject(data)) throw bad();
  switch (frame.event) {
    case 'start':
      if (!Number.isInteger(data.pid)) throw bad();
      return frame;
    case 'stdout':
    case 'stderr':
      if (typeof data.text !== 'string') throw bad();
      return frame;
    case 'exit':
      if (!SHAPES.exitFrame(data)) throw bad();
      return frame;
    case 'error': {
      const err = checkedError(data, 'sent an error frame');
      return { event: 'error', data: { code: err.code, message: err.message } };
    }
    default:
      throw bad();
  }
}

/**
 * The shared SSE parser with bounds. It holds at most one partial frame; `held` is an upper
 * bound on that text (everything fed since the last slice that completed a frame), so a line or
 * frame that never ends is cut off at MAX_STREAM_FRAME_CHARS instead of growing without limit.
 */
class BoundedFrameReader {
  private readonly parser = new ExecStreamParser();
  private held = 0;

  push(text: string): ExecStreamFrame[] {
    let frames: ExecStreamFrame[];
    try {
      frames = this.parser.push(text);
    } catch {
      throw agentError('sent a frame that is not valid JSON');
    }
    this.held = frames.length > 0 ? text.length : this.held + text.length;
    if (this.held > MAX_STREAM_FRAME_CHARS) {
      throw agentError(`sent an exec stream frame over ${MAX_STREAM_FRAME_CHARS} characters`);
    }
    return frames.map(checkFrame);
  }
}

/**
 * The daemon's side of the guest-agent protocol (packages/shared/src/agent-protocol.ts). One
 * client per sandbox; it keeps connections alive because exec and file calls come in bursts.
 */
export class AgentClient {
  private readonly endpoint: AgentEndpoint;
  private readonly agent: http.Agent;

  constructor(endpoint: AgentEndpoint, options: AgentClientOptions = {}) {
    this.endpoint = endpoint;
    this.agent = new http.Agent({ keepAlive: true, maxFreeSockets: options.maxFreeSockets ?? 4 });
  }

  /** Sends a request and resolves with the response head; the body is the caller's to read. */
  private send(spec: RequestSpec): Promise<IncomingMessage> {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(spec.query ?? {}))
      if (v !== undefined) search.set(k, String(v));
    const qs = search.toString();
    const headers: Record<string, string | number> = { ...spec.headers };
    let payload: Buffer | undefined;
    if (spec.json !== undefined) {
      payload = Buffer.from(JSON.stringify(spec.json));
      headers['content-type'] = 'application/json';
    } else if (Buffer.isBuffer(spec.body)) {
      payload = spec.body;
    }
    if (payload) headers['content-length'] = payload.length;
    const target =
      this.endpoint.transport === 'unix'
        ? { socketPath: this.endpoint.socketPath }
        : { host: this.endpoint.host, port: this.endpoint.port };

    return new Promise((resolve, reject) => {
      if (spec.signal?.aborted) {
        reject(spec.signal.reason);
        return;
      }
      const req = http.request({
        ...target,
        agent: this.agent,
        method: spec.method,
        path: qs ? `${spec.path}?${qs}` : spec.path,
        headers,
        signal: spec.signal,
      });
      req.once('response', resolve);
      // `on`, not `once`: a request can fail again after its answer (a hung-up upload).
      req.on('error', (err) => {
        try {
          rethrow(err, spec.signal);
        } catch (e) {
          reject(e);
        }
      });
      if (payload) {
        req.end(payload);
      } else if (spec.body) {
        const body = spec.body as Readable;
        body.on('error', (err) => req.destroy(err));
        body.pipe(req);
        // An early answer (e.g. 413) means the agent stopped reading: stop sending, and do not
        // reuse a connection with half a body on it.
        req.once('response', (res: IncomingMessage) => {
          if ((res.statusCode ?? 500) < 400) return;
          body.unpipe(req);
          res.once('end', () => req.destroy());
        });
      } else {
        req.end();
      }
    });
  }

  /** A JSON call: the parsed answer on 2xx if it has the expected shape, the agent's error otherwise. */
  private async call<T extends object>(spec: RequestSpec, expected: Check): Promise<T> {
    const res = await this.send(spec);
    if (!isSuccess(res)) throw await errorFrom(res, spec.signal);
    const body = await readBody(res, MAX_REPLY_BYTES, spec.signal);
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      throw agentError('answered with invalid JSON');
    }
    if (!isObject(value)) throw agentError('answered with JSON that is not an object');
    if (!expected(value))
      throw agentError(`answered ${spec.method} ${spec.path} with an unexpected shape`);
    return value as T;
  }

  /** A call whose answer body does not matter (204, or an acknowledgement); still capped. */
  private async callForStatus(spec: RequestSpec): Promise<void> {
    const res = await this.send(spec);
    if (!isSuccess(res)) throw await errorFrom(res, spec.signal);
    await readBody(res, MAX_REPLY_BYTES, spec.signal);
  }

  health(signal?: AbortSignal): Promise<AgentHealth> {
    return this.call({ method: 'GET', path: AGENT_ROUTES.health, signal }, SHAPES.health);
  }

  /**
   * Polls health until the agent answers. On the sandbox-start hot path, so it starts at 5 ms
   * and backs off gently; connection errors are expected while the agent boots.
   */
  async waitUntilReady(options: { timeoutMs: number; signal?: AbortSignal }): Promise<AgentHealth> {
    const deadline = Date.now() + options.timeoutMs;
    let delay = 5;
    let last: unknown;
    for (;;) {
      const attempt = AbortSignal.timeout(Math.max(1, deadline - Date.now()));
      const signal = options.signal ? AbortSignal.any([options.signal, attempt]) : attempt;
      try {
        return await this.health(signal);
      } catch (err) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (err instanceof PaddockError && err.code !== 'sandbox_unavailable') throw err;
        last = err;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        const why = last instanceof Error ? `: ${last.message}` : '';
        throw new PaddockError(
          'sandbox_unavailable',
          `guest agent not ready after ${options.timeoutMs} ms${why}`,
        );
      }
      await sleep(Math.min(delay, left), undefined, { signal: options.signal });
      delay = Math.min(delay * 1.5, 100);
    }
  }

  /** A buffered exec. `background` is ignored here; use startProcess. */
  exec(req: ExecRequest, signal?: AbortSignal): Promise<ExecResult> {
    const { background: _background, ...json } = req;
    return this.call({ method: 'POST', path: AGENT_ROUTES.exec, json, signal }, SHAPES.execResult);
  }

  /**
   * A streamed exec: frames as the agent sends them, ending with `exit` (or `error`). Leaving
   * the loop early, or aborting, hangs up, and the agent then kills the process group.
   */
  async *execStream(
    req: ExecRequest,
    signal?: AbortSignal,
  ): AsyncGenerator<ExecStreamFrame, void, undefined> {
    const { background: _background, ...json } = req;
    const res = await this.send({
      method: 'POST',
      path: AGENT_ROUTES.exec,
      json,
      headers: { accept: 'text/event-stream' },
      signal,
    });
    try {
      if (!isSuccess(res)) throw await errorFrom(res, signal);
      if (!/^text\/event-stream\b/i.test(res.headers['content-type'] ?? '')) {
        throw agentError('did not answer with an event stream');
      }
      const reader = new BoundedFrameReader();
      const decoder = new StringDecoder('utf8');
      // Backpressure bounds what is held: the next chunk is read only once every frame of the
      // current one was taken, and a chunk is parsed slice by slice, each slice's frames handed
      // out before the next is parsed. So at most one chunk, one slice's frames and the reader's
      // partial frame wait for the consumer.
      try {
        for await (const chunk of res) {
          const text = decoder.write(chunk as Buffer);
          for (let i = 0; i < text.length; i += STREAM_SLICE_CHARS) {
            for (const frame of reader.push(text.slice(i, i + STREAM_SLICE_CHARS))) {
              yield frame;
              if (frame.event === 'exit' || frame.event === 'error') return;
            }
          }
        }
      } catch (err) {
        rethrow(err, signal);
      }
      throw new PaddockError('sandbox_unavailable', 'the exec stream ended without an exit frame');
    } finally {
      // Not reading to the end means hanging up; the connection is not reused.
      if (!res.complete) res.destroy();
    }
  }

  startProcess(req: ExecRequest, signal?: AbortSignal): Promise<ProcessInfo> {
    return this.call(
      {
        method: 'POST',
        path: AGENT_ROUTES.exec,
        json: { ...req, background: true },
        signal,
      },
      SHAPES.processInfo,
    );
  }

  async listProcesses(signal?: AbortSignal): Promise<ProcessInfo[]> {
    const body = await this.call<{ items: ProcessInfo[] }>(
      { method: 'GET', path: AGENT_ROUTES.processes, signal },
      SHAPES.processList,
    );
    return body.items;
  }

  getProcess(id: string, signal?: AbortSignal): Promise<ProcessInfo> {
    return this.call({ method: 'GET', path: AGENT_ROUTES.process(id), signal }, SHAPES.processInfo);
  }

  signalProcess(id: string, sig: SignalName, signal?: AbortSignal): Promise<ProcessInfo> {
    return this.call(
      {
        method: 'POST',
        path: AGENT_ROUTES.processSignal(id),
        json: { signal: sig },
        signal,
      },
      SHAPES.processInfo,
    );
  }

  /** SIGKILL to the process group; resolves with the final record once it has exited. */
  killProcess(id: string, signal?: AbortSignal): Promise<ProcessInfo> {
    return this.call(
      { method: 'DELETE', path: AGENT_ROUTES.process(id), signal },
      SHAPES.processInfo,
    );
  }

  processOutput(id: string, tail?: number, signal?: AbortSignal): Promise<ProcessOutput> {
    return this.call(
      {
        method: 'GET',
        path: AGENT_ROUTES.processOutput(id),
        query: { tail },
        signal,
      },
      SHAPES.processOutput,
    );
  }

  /** The file's bytes as a stream; the caller must consume or destroy it. */
  async readFile(path: string, signal?: AbortSignal): Promise<{ size: number; stream: Readable }> {
    const res = await this.send({
      method: 'GET',
      path: AGENT_ROUTES.files,
      query: { path },
      signal,
    });
    if (!isSuccess(res)) throw await errorFrom(res, signal);
    // Streamed, not buffered: the daemon passes it on with this length, so it must be exact.
    // node's parser then holds the body to it (a shorter body fails the stream).
    const length = res.headers['content-length'];
    const size = length !== undefined && /^\d{1,15}$/.test(length) ? Number(length) : NaN;
    if (!Number.isSafeInteger(size)) {
      res.destroy();
      throw agentError('sent a file without a valid content-length');
    }
    return { size, stream: res };
  }

  /** Writes a whole file atomically; `mode` is octal (a number like 0o755 or a string like '0755'). */
  writeFile(
    path: string,
    body: Readable | Buffer,
    options: { mode?: number | string; signal?: AbortSignal } = {},
  ): Promise<{ path: string; size: number }> {
    const mode =
      typeof options.mode === 'number' ? options.mode.toString(8).padStart(4, '0') : options.mode;
    return this.call(
      {
        method: 'PUT',
        path: AGENT_ROUTES.files,
        query: { path, mode },
        headers: { 'content-type': 'application/octet-stream' },
        body,
        signal: options.signal,
      },
      SHAPES.written,
    );
  }

  listFiles(path = '.', depth = 1, signal?: AbortSignal): Promise<FileListing> {
    return this.call(
      {
        method: 'GET',
        path: AGENT_ROUTES.filesList,
        query: { path, depth },
        signal,
      },
      SHAPES.fileListing,
    );
  }

  stat(path: string, signal?: AbortSignal): Promise<FileStat> {
    return this.call(
      { method: 'GET', path: AGENT_ROUTES.filesStat, query: { path }, signal },
      SHAPES.fileStat,
    );
  }

  mkdir(req: MkdirRequest, signal?: AbortSignal): Promise<FileStat> {
    return this.call(
      { method: 'POST', path: AGENT_ROUTES.filesMkdir, json: req, signal },
      SHAPES.fileStat,
    );
  }

  move(req: MoveRequest, signal?: AbortSignal): Promise<FileStat> {
    return this.call(
      { method: 'POST', path: AGENT_ROUTES.filesMove, json: req, signal },
      SHAPES.fileStat,
    );
  }

  async deleteFile(path: string, recursive = false, signal?: AbortSignal): Promise<void> {
    await this.callForStatus({
      method: 'DELETE',
      path: AGENT_ROUTES.files,
      query: { path, recursive },
      signal,
    });
  }

  /** Asks the agent to stop every process and exit; resolves once the request is accepted. */
  async shutdown(graceMs?: number, signal?: AbortSignal): Promise<void> {
    await this.callForStatus({
      method: 'POST',
      path: AGENT_ROUTES.shutdown,
      json: graceMs === undefined ? {} : { grace_ms: graceMs },
      signal,
    });
  }

  /** Applies the desired set of supervised processes; answers the whole list. */
  async applySupervisor(
    processes: SupervisedSpec[],
    signal?: AbortSignal,
  ): Promise<SupervisedInfo[]> {
    const body = await this.call<{ items: SupervisedInfo[] }>(
      { method: 'PUT', path: AGENT_ROUTES.supervisor, json: { processes }, signal },
      SHAPES.supervisorList,
    );
    return body.items;
  }

  async listSupervised(signal?: AbortSignal): Promise<SupervisedInfo[]> {
    const body = await this.call<{ items: SupervisedInfo[] }>(
      { method: 'GET', path: AGENT_ROUTES.supervisor, signal },
      SHAPES.supervisorList,
    );
    return body.items;
  }

  supervisedLogs(name: string, tail?: number, signal?: AbortSignal): Promise<SupervisedLogs> {
    return this.call(
      { method: 'GET', path: AGENT_ROUTES.supervisorLogs(name), query: { tail }, signal },
      SHAPES.supervisedLogs,
    );
  }

  /**
   * The log as the agent streams it (SSE `output` frames): the response, for the daemon to pass
   * through byte for byte. The caller must consume or destroy it.
   */
  async supervisedLogStream(name: string, tail?: number, signal?: AbortSignal): Promise<Readable> {
    const res = await this.send({
      method: 'GET',
      path: AGENT_ROUTES.supervisorLogs(name),
      query: { tail },
      headers: { accept: 'text/event-stream' },
      signal,
    });
    if (!isSuccess(res)) throw await errorFrom(res, signal);
    if (!/^text\/event-stream\b/i.test(res.headers['content-type'] ?? '')) {
      res.destroy();
      throw agentError('did not answer with an event stream');
    }
    return res;
  }

  restartSupervised(name: string, signal?: AbortSignal): Promise<SupervisedInfo> {
    return this.call(
      { method: 'POST', path: AGENT_ROUTES.supervisorRestart(name), signal },
      SHAPES.supervisedInfo,
    );
  }

  /**
   * A raw TCP stream to 127.0.0.1:`port` inside the sandbox, through the agent (see the agent's
   * portBridge.ts). Each bridge is its own connection to the agent, never a pooled one.
   */
  openBridge(port: number, signal?: AbortSignal): Promise<Socket> {
    const target =
      this.endpoint.transport === 'unix'
        ? { socketPath: this.endpoint.socketPath }
        : { host: this.endpoint.host, port: this.endpoint.port };
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const req = http.request({
        ...target,
        agent: false,
        method: 'GET',
        path: AGENT_ROUTES.bridge(port),
        headers: { connection: 'upgrade', upgrade: AGENT_BRIDGE_PROTOCOL },
      });
      // The signal bounds the opening only; an open bridge lives as long as its user wants.
      const onAbort = (): void => {
        req.destroy();
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const settled = (): void => signal?.removeEventListener('abort', onAbort);
      req.once('upgrade', (res, socket, head) => {
        settled();
        if (res.headers.upgrade?.toLowerCase() !== AGENT_BRIDGE_PROTOCOL) {
          socket.destroy();
          reject(agentError('upgraded to an unexpected protocol'));
          return;
        }
        socket.setNoDelay(true);
        if (head.length > 0) socket.unshift(head);
        resolve(socket);
      });
      req.once('response', (res) => {
        settled();
        errorFrom(res).then(reject, reject);
      });
      req.on('error', (err) => {
        settled();
        try {
          rethrow(err);
        } catch (e) {
          reject(e);
        }
      });
      req.end();
    });
  }

  /** Drops the keep-alive connections; the client must not be used afterwards. */
  close(): void {
    this.agent.destroy();
  }
}
