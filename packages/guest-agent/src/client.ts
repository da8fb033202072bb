import http, { type IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { StringDecoder } from 'node:string_decoder';
import {
  AGENT_ROUTES,
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
  ExecStreamParser,
} from '@paddock/shared';

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

function isAbort(err: unknown, signal?: AbortSignal): boolean {
  return signal?.aborted === true || (err as Error | null)?.name === 'AbortError';
}

/** Whatever went wrong on the wire, the daemon sees one code: the sandbox did not answer. */
function unavailable(err: unknown): PaddockError {
  const e = err as NodeJS.ErrnoException;
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

async function readBody(res: IncomingMessage, signal?: AbortSignal): Promise<Buffer> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of res) chunks.push(chunk as Buffer);
  } catch (err) {
    rethrow(err, signal);
  }
  return Buffer.concat(chunks);
}

/** An agent error answer, turned back into the PaddockError it was on the agent's side. */
async function errorFrom(res: IncomingMessage, signal?: AbortSignal): Promise<PaddockError> {
  const text = (await readBody(res, signal)).toString('utf8');
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    const code = body.error?.code;
    if (isErrorCode(code)) return new PaddockError(code, String(body.error?.message ?? code));
  } catch {
    // Not our envelope; described below.
  }
  return new PaddockError(
    'internal',
    `guest agent answered ${res.statusCode} without an error body`,
  );
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

  /** A JSON call: the parsed answer on 2xx, the agent's error thrown otherwise. */
  private async call<T>(spec: RequestSpec): Promise<T> {
    const res = await this.send(spec);
    if ((res.statusCode ?? 500) >= 400) {
      throw await errorFrom(res, spec.signal);
    }
    const body = await readBody(res, spec.signal);
    if (res.statusCode === 204 || body.length === 0) return undefined as T;
    try {
      return JSON.parse(body.toString('utf8')) as T;
    } catch {
      throw new PaddockError('internal', 'guest agent answered with invalid JSON');
    }
  }

  health(signal?: AbortSignal): Promise<AgentHealth> {
    return this.call({ method: 'GET', path: AGENT_ROUTES.health, signal });
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
    return this.call({ method: 'POST', path: AGENT_ROUTES.exec, json, signal });
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
      if ((res.statusCode ?? 500) >= 400) throw await errorFrom(res, signal);
      const parser = new ExecStreamParser();
      const decoder = new StringDecoder('utf8');
      let ended = false;
      try {
        for await (const chunk of res) {
          for (const frame of parser.push(decoder.write(chunk as Buffer))) {
            yield frame;
            if (frame.event === 'exit' || frame.event === 'error') ended = true;
          }
          if (ended) return;
        }
      } catch (err) {
        if (err instanceof SyntaxError)
          throw new PaddockError('internal', 'guest agent sent a malformed frame');
        rethrow(err, signal);
      }
      throw new PaddockError('sandbox_unavailable', 'the exec stream ended without an exit frame');
    } finally {
      // Not reading to the end means hanging up; the connection is not reused.
      if (!res.complete) res.destroy();
    }
  }

  startProcess(req: ExecRequest, signal?: AbortSignal): Promise<ProcessInfo> {
    return this.call({
      method: 'POST',
      path: AGENT_ROUTES.exec,
      json: { ...req, background: true },
      signal,
    });
  }

  async listProcesses(signal?: AbortSignal): Promise<ProcessInfo[]> {
    const body = await this.call<{ items: ProcessInfo[] }>({
      method: 'GET',
      path: AGENT_ROUTES.processes,
      signal,
    });
    return body.items;
  }

  getProcess(id: string, signal?: AbortSignal): Promise<ProcessInfo> {
    return this.call({ method: 'GET', path: AGENT_ROUTES.process(id), signal });
  }

  signalProcess(id: string, sig: SignalName, signal?: AbortSignal): Promise<ProcessInfo> {
    return this.call({
      method: 'POST',
      path: AGENT_ROUTES.processSignal(id),
      json: { signal: sig },
      signal,
    });
  }

  /** SIGKILL to the process group; resolves with the final record once it has exited. */
  killProcess(id: string, signal?: AbortSignal): Promise<ProcessInfo> {
    return this.call({ method: 'DELETE', path: AGENT_ROUTES.process(id), signal });
  }

  processOutput(id: string, tail?: number, signal?: AbortSignal): Promise<ProcessOutput> {
    return this.call({
      method: 'GET',
      path: AGENT_ROUTES.processOutput(id),
      query: { tail },
      signal,
    });
  }

  /** The file's bytes as a stream; the caller must consume or destroy it. */
  async readFile(path: string, signal?: AbortSignal): Promise<{ size: number; stream: Readable }> {
    const res = await this.send({
      method: 'GET',
      path: AGENT_ROUTES.files,
      query: { path },
      signal,
    });
    if ((res.statusCode ?? 500) >= 400) {
      throw await errorFrom(res, signal);
    }
    return { size: Number(res.headers['content-length'] ?? 0), stream: res };
  }

  /** Writes a whole file atomically; `mode` is octal (a number like 0o755 or a string like '0755'). */
  writeFile(
    path: string,
    body: Readable | Buffer,
    options: { mode?: number | string; signal?: AbortSignal } = {},
  ): Promise<{ path: string; size: number }> {
    const mode =
      typeof options.mode === 'number' ? options.mode.toString(8).padStart(4, '0') : options.mode;
    return this.call({
      method: 'PUT',
      path: AGENT_ROUTES.files,
      query: { path, mode },
      headers: { 'content-type': 'application/octet-stream' },
      body,
      signal: options.signal,
    });
  }

  listFiles(path = '.', depth = 1, signal?: AbortSignal): Promise<FileListing> {
    return this.call({
      method: 'GET',
      path: AGENT_ROUTES.filesList,
      query: { path, depth },
      signal,
    });
  }

  stat(path: string, signal?: AbortSignal): Promise<FileStat> {
    return this.call({ method: 'GET', path: AGENT_ROUTES.filesStat, query: { path }, signal });
  }

  mkdir(req: MkdirRequest, signal?: AbortSignal): Promise<FileStat> {
    return this.call({ method: 'POST', path: AGENT_ROUTES.filesMkdir, json: req, signal });
  }

  move(req: MoveRequest, signal?: AbortSignal): Promise<FileStat> {
    return this.call({ method: 'POST', path: AGENT_ROUTES.filesMove, json: req, signal });
  }

  async deleteFile(path: string, recursive = false, signal?: AbortSignal): Promise<void> {
    await this.call({
      method: 'DELETE',
      path: AGENT_ROUTES.files,
      query: { path, recursive },
      signal,
    });
  }

  /** Asks the agent to stop every process and exit; resolves once the request is accepted. */
  async shutdown(graceMs?: number, signal?: AbortSignal): Promise<void> {
    await this.call({
      method: 'POST',
      path: AGENT_ROUTES.shutdown,
      json: graceMs === undefined ? {} : { grace_ms: graceMs },
      signal,
    });
  }

  /** Drops the keep-alive connections; the client must not be used afterwards. */
  close(): void {
    this.agent.destroy();
  }
}
