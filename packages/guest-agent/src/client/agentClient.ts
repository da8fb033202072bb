import http, { type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { StringDecoder } from 'node:string_decoder';
import type { Static, TSchema } from 'typebox';
import {
  AGENT_BRIDGE_PROTOCOL,
  AGENT_PTY_PROTOCOL,
  AGENT_ROUTES,
  AgentHealth,
  ExecResult,
  FileListing,
  FileStat,
  FileWritten,
  PaddockError,
  type FileWatchFrame,
  ProcessInfo,
  ProcessList,
  ProcessOutput,
  SupervisedInfo,
  SupervisedLogs,
  SupervisorList,
  type AgentEndpoint,
  type ExecRequest,
  type ExecStreamFrame,
  type MkdirRequest,
  type MoveRequest,
  type SignalName,
  type SupervisedSpec,
} from '@paddock/shared';
import { agentError, isObject, rethrow } from './agentErrors.js';
import { conforms } from './answers.js';
import { BoundedFrameReader, WatchFrameReader } from './execStreamReader.js';
import { AgentPty, type AgentPtyRequest } from './agentPty.js';
import { upgradeAgent } from './agentUpgrade.js';
import { errorFrom, isSuccess, readBody, sendBounded, type RequestSpec } from './transport.js';

/** The largest JSON answer buffered: an exec result is at most ~2 MiB of output plus JSON. */
const MAX_REPLY_BYTES = 16 * 1024 * 1024;
/** Stream text is parsed in slices this long, each slice's frames handed out before the next. */
const STREAM_SLICE_CHARS = 64 * 1024;

export interface AgentClientOptions {
  /** Idle keep-alive connections kept per agent. */
  maxFreeSockets?: number;
  /**
   * How long the agent may take to answer a call once it is sent (default 60 s): the whole
   * answer of a JSON call, the head of a stream or a file read. A buffered exec with a
   * `timeout_ms` gets that much longer; one without runs until its caller hangs up.
   */
  answerTimeoutMs?: number;
}

export const DEFAULT_ANSWER_TIMEOUT_MS = 60_000;
// Idle connections close here before the agent's 30 s keep-alive closes them there (a busy
// socket's `timeout` only emits an event nothing acts on; transport.ts retries a late close).
const IDLE_CONNECTION_MS = 4_000;

/**
 * The daemon's side of the guest-agent protocol (packages/shared/src/agent/). One
 * client per sandbox; it keeps connections alive because exec and file calls come in bursts.
 */
export class AgentClient {
  private readonly endpoint: AgentEndpoint;
  private readonly agent: http.Agent;
  private readonly answerTimeoutMs: number;

  constructor(endpoint: AgentEndpoint, options: AgentClientOptions = {}) {
    this.endpoint = endpoint;
    this.answerTimeoutMs = options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
    const maxFreeSockets = options.maxFreeSockets ?? 4;
    this.agent = new http.Agent({ keepAlive: true, maxFreeSockets, timeout: IDLE_CONNECTION_MS });
  }

  /**
   * Sends a request under the answer deadline (null: none) and resolves with the response head
   * and the spec as sent; the body is the caller's to read, then to `clear` the deadline.
   */
  private send(spec: RequestSpec, timeoutMs: number | null = this.answerTimeoutMs) {
    return sendBounded(this.endpoint, this.agent, spec, timeoutMs);
  }

  /** A JSON call: the parsed answer on 2xx if it has the expected shape, the agent's error otherwise. */
  private async call<T extends TSchema>(
    unbounded: RequestSpec,
    expected: T,
    timeoutMs?: number | null,
  ): Promise<Static<T>> {
    const { res, spec, clear } = await this.send(unbounded, timeoutMs);
    let body: Buffer;
    try {
      if (!isSuccess(res)) throw await errorFrom(res, spec.signal);
      body = await readBody(res, MAX_REPLY_BYTES, spec.signal);
    } finally {
      clear();
    }
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      throw agentError('answered with invalid JSON');
    }
    if (!isObject(value)) throw agentError('answered with JSON that is not an object');
    if (!conforms(expected, value))
      throw agentError(`answered ${spec.method} ${spec.path} with an unexpected shape`);
    return value;
  }

  /** A call whose answer body does not matter (204, or an acknowledgement); still capped. */
  private async callForStatus(unbounded: RequestSpec): Promise<void> {
    const { res, spec, clear } = await this.send(unbounded);
    try {
      if (!isSuccess(res)) throw await errorFrom(res, spec.signal);
      await readBody(res, MAX_REPLY_BYTES, spec.signal);
    } finally {
      clear();
    }
  }

  health(signal?: AbortSignal): Promise<AgentHealth> {
    return this.call({ method: 'GET', path: AGENT_ROUTES.health, signal }, AgentHealth);
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
    // The command's own time, then the usual deadline for the answer; none without a timeout.
    const timeoutMs = req.timeout_ms === undefined ? null : req.timeout_ms + this.answerTimeoutMs;
    return this.call(
      { method: 'POST', path: AGENT_ROUTES.exec, json, signal },
      ExecResult,
      timeoutMs,
    );
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
    // The deadline bounds the head and an error answer only: frames come as the command prints.
    const { res, spec, clear } = await this.send({
      method: 'POST',
      path: AGENT_ROUTES.exec,
      json,
      headers: { accept: 'text/event-stream' },
      signal,
    });
    try {
      try {
        if (!isSuccess(res)) throw await errorFrom(res, spec.signal);
      } finally {
        clear();
      }
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
      ProcessInfo,
    );
  }

  async listProcesses(signal?: AbortSignal): Promise<ProcessInfo[]> {
    const body = await this.call(
      { method: 'GET', path: AGENT_ROUTES.processes, signal },
      ProcessList,
    );
    return body.items;
  }

  getProcess(id: string, signal?: AbortSignal): Promise<ProcessInfo> {
    return this.call({ method: 'GET', path: AGENT_ROUTES.process(id), signal }, ProcessInfo);
  }

  signalProcess(id: string, sig: SignalName, signal?: AbortSignal): Promise<ProcessInfo> {
    return this.call(
      {
        method: 'POST',
        path: AGENT_ROUTES.processSignal(id),
        json: { signal: sig },
        signal,
      },
      ProcessInfo,
    );
  }

  /** SIGKILL to the process group; resolves with the final record once it has exited. */
  killProcess(id: string, signal?: AbortSignal): Promise<ProcessInfo> {
    return this.call({ method: 'DELETE', path: AGENT_ROUTES.process(id), signal }, ProcessInfo);
  }

  processOutput(id: string, tail?: number, signal?: AbortSignal): Promise<ProcessOutput> {
    return this.call(
      {
        method: 'GET',
        path: AGENT_ROUTES.processOutput(id),
        query: { tail },
        signal,
      },
      ProcessOutput,
    );
  }

  /** The file's bytes as a stream; the caller must consume or destroy it. */
  async readFile(path: string, signal?: AbortSignal): Promise<{ size: number; stream: Readable }> {
    const { res, spec, clear } = await this.send({
      method: 'GET',
      path: AGENT_ROUTES.files,
      query: { path },
      signal,
    });
    // The head and an error answer are bounded; the file's bytes flow as fast as they are read.
    try {
      if (!isSuccess(res)) throw await errorFrom(res, spec.signal);
    } finally {
      clear();
    }
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
  ): Promise<FileWritten> {
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
      FileWritten,
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
      FileListing,
    );
  }

  stat(path: string, signal?: AbortSignal): Promise<FileStat> {
    return this.call(
      { method: 'GET', path: AGENT_ROUTES.filesStat, query: { path }, signal },
      FileStat,
    );
  }

  mkdir(req: MkdirRequest, signal?: AbortSignal): Promise<FileStat> {
    return this.call(
      { method: 'POST', path: AGENT_ROUTES.filesMkdir, json: req, signal },
      FileStat,
    );
  }

  move(req: MoveRequest, signal?: AbortSignal): Promise<FileStat> {
    return this.call({ method: 'POST', path: AGENT_ROUTES.filesMove, json: req, signal }, FileStat);
  }

  async deleteFile(path: string, recursive = false, signal?: AbortSignal): Promise<void> {
    await this.callForStatus({
      method: 'DELETE',
      path: AGENT_ROUTES.files,
      query: { path, recursive },
      signal,
    });
  }

  /**
   * Watches a directory: resolves once the agent has the watch in place (its refusals reject),
   * with the frames to come, `ready` first; they end after an `error` frame. The caller must
   * iterate them; leaving the loop, or aborting `signal`, hangs up and the agent drops the watch.
   */
  async watchFiles(
    options: { path: string; recursive?: boolean; includeIgnored?: boolean },
    signal?: AbortSignal,
  ): Promise<AsyncGenerator<FileWatchFrame, void, undefined>> {
    const { res, spec, clear } = await this.send({
      method: 'GET',
      path: AGENT_ROUTES.filesWatch,
      query: {
        path: options.path,
        recursive: options.recursive ?? false,
        include_ignored: options.includeIgnored ?? false,
      },
      headers: { accept: 'text/event-stream' },
      signal,
    });
    try {
      if (!isSuccess(res)) throw await errorFrom(res, spec.signal);
    } finally {
      clear();
    }
    if (!/^text\/event-stream\b/i.test(res.headers['content-type'] ?? '')) {
      res.destroy();
      throw agentError('did not answer with an event stream');
    }
    return watchFrames(res, signal);
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
    const body = await this.call(
      { method: 'PUT', path: AGENT_ROUTES.supervisor, json: { processes }, signal },
      SupervisorList,
    );
    return body.items;
  }

  async listSupervised(signal?: AbortSignal): Promise<SupervisedInfo[]> {
    const body = await this.call(
      { method: 'GET', path: AGENT_ROUTES.supervisor, signal },
      SupervisorList,
    );
    return body.items;
  }

  supervisedLogs(name: string, tail?: number, signal?: AbortSignal): Promise<SupervisedLogs> {
    return this.call(
      { method: 'GET', path: AGENT_ROUTES.supervisorLogs(name), query: { tail }, signal },
      SupervisedLogs,
    );
  }

  /**
   * The log as the agent streams it (SSE `output` frames): the response, for the daemon to pass
   * through byte for byte. The caller must consume or destroy it.
   */
  async supervisedLogStream(name: string, tail?: number, signal?: AbortSignal): Promise<Readable> {
    const { res, spec, clear } = await this.send({
      method: 'GET',
      path: AGENT_ROUTES.supervisorLogs(name),
      query: { tail },
      headers: { accept: 'text/event-stream' },
      signal,
    });
    try {
      if (!isSuccess(res)) throw await errorFrom(res, spec.signal);
    } finally {
      clear();
    }
    if (!/^text\/event-stream\b/i.test(res.headers['content-type'] ?? '')) {
      res.destroy();
      throw agentError('did not answer with an event stream');
    }
    return res;
  }

  restartSupervised(name: string, signal?: AbortSignal): Promise<SupervisedInfo> {
    return this.call(
      { method: 'POST', path: AGENT_ROUTES.supervisorRestart(name), signal },
      SupervisedInfo,
    );
  }

  /**
   * A raw TCP stream to 127.0.0.1:`port` inside the sandbox, through the agent (see the agent's
   * portBridge.ts). Each bridge is its own connection to the agent, never a pooled one.
   */
  openBridge(port: number, signal?: AbortSignal): Promise<Socket> {
    return upgradeAgent(
      this.endpoint,
      AGENT_ROUTES.bridge(port),
      AGENT_BRIDGE_PROTOCOL,
      this.answerTimeoutMs,
      signal,
    );
  }

  /**
   * A terminal in the sandbox (the agent's pty.ts): framed bytes and control messages over a
   * connection of its own. Destroying it hangs the terminal up.
   */
  async openPty(req: AgentPtyRequest, signal?: AbortSignal): Promise<AgentPty> {
    const search = new URLSearchParams({ cols: String(req.cols), rows: String(req.rows) });
    if (req.cwd !== undefined) search.set('cwd', req.cwd);
    if (req.shell !== undefined) search.set('shell', req.shell);
    const socket = await upgradeAgent(
      this.endpoint,
      `${AGENT_ROUTES.pty}?${search.toString()}`,
      AGENT_PTY_PROTOCOL,
      this.answerTimeoutMs,
      signal,
    );
    return new AgentPty(socket);
  }

  /** Drops the keep-alive connections; the client must not be used afterwards. */
  close(): void {
    this.agent.destroy();
  }
}

/** A file watch's frames as the agent sends them, checked; ends after an `error` frame. */
async function* watchFrames(
  res: IncomingMessage,
  signal?: AbortSignal,
): AsyncGenerator<FileWatchFrame, void, undefined> {
  const reader = new WatchFrameReader();
  const decoder = new StringDecoder('utf8');
  try {
    try {
      for await (const chunk of res) {
        for (const frame of reader.push(decoder.write(chunk as Buffer))) {
          yield frame;
          if (frame.event === 'error') return;
        }
      }
    } catch (err) {
      rethrow(err, signal);
    }
    throw new PaddockError('sandbox_unavailable', 'the file watch ended without an error frame');
  } finally {
    if (!res.complete) res.destroy();
  }
}
