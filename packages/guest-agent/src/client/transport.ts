import http, { type IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { AgentEndpoint, PaddockError } from '@paddock/shared';
import { agentError, checkedError, isObject, rethrow } from './agentErrors.js';
import { answerDeadline } from './answerDeadline.js';

/*
 * HTTP/1.1 to one agent: sending a request, reading a capped answer body, and turning an error
 * answer back into the PaddockError it was on the agent's side. Every buffered body is capped:
 * the agent is code in the sandbox and may send anything.
 */

/** Error envelopes are small; one this large is not an envelope. */
const MAX_ERROR_BODY_BYTES = 1024 * 1024;

type Query = Record<string, string | number | boolean | undefined>;

export interface RequestSpec {
  method: string;
  path: string;
  query?: Query;
  json?: unknown;
  body?: Readable | Buffer;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Called once the whole request (its body included) has been handed to the connection. */
  sent?: () => void;
}

/** Where node's http.request reaches the agent. */
export function endpointTarget(
  endpoint: AgentEndpoint,
): { socketPath: string } | { host: string; port: number } {
  return endpoint.transport === 'unix'
    ? { socketPath: endpoint.socketPath }
    : { host: endpoint.host, port: endpoint.port };
}

export function isSuccess(res: IncomingMessage): boolean {
  const status = res.statusCode ?? 0;
  return status >= 200 && status < 300;
}

/**
 * Reads a whole answer body, at most `limit` bytes. Beyond that (declared or sent) the answer is
 * abandoned at once: destroying the response closes the connection, so the rest is never read.
 */
export async function readBody(
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

/** An agent error answer, turned back into the PaddockError it was on the agent's side. */
export async function errorFrom(res: IncomingMessage, signal?: AbortSignal): Promise<PaddockError> {
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

/** Sends a request and resolves with the response head; the body is the caller's to read. */
export function sendRequest(
  endpoint: AgentEndpoint,
  agent: http.Agent,
  spec: RequestSpec,
): Promise<IncomingMessage> {
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
  // A kept-alive connection the agent closed as idle just as it was reused fails before the
  // request was read: safe to send again, on a new connection, when the body can be sent again.
  const replayable = spec.body === undefined || payload !== undefined;
  const attempt = (): Promise<IncomingMessage> =>
    send(endpoint, agent, spec, { qs, headers, payload }, replayable ? attempt : null);
  return attempt();
}

const STALE_CONNECTION = new Set(['ECONNRESET', 'EPIPE']);

function send(
  endpoint: AgentEndpoint,
  agent: http.Agent,
  spec: RequestSpec,
  {
    qs,
    headers,
    payload,
  }: { qs: string; headers: Record<string, string | number>; payload?: Buffer },
  again: (() => Promise<IncomingMessage>) | null,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (spec.signal?.aborted) {
      reject(spec.signal.reason);
      return;
    }
    const req = http.request({
      ...endpointTarget(endpoint),
      agent,
      method: spec.method,
      path: qs ? `${spec.path}?${qs}` : spec.path,
      headers,
      signal: spec.signal,
    });
    if (spec.sent) req.once('finish', spec.sent);
    let answered = false;
    req.once('response', (res: IncomingMessage) => {
      answered = true;
      resolve(res);
    });
    // `on`, not `once`: a request can fail again after its answer (a hung-up upload).
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (again && !answered && req.reusedSocket && STALE_CONNECTION.has(err.code ?? '')) {
        resolve(again());
        return;
      }
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

/**
 * Sends `spec` under the agent's answer deadline (`timeoutMs`; null: none), joined to the call's
 * signal: resolves with the response head and the spec as sent (its signal is the joined one,
 * for reading the body). `clear` the deadline once the part of the answer it bounds is in.
 */
export async function sendBounded(
  endpoint: AgentEndpoint,
  agent: http.Agent,
  spec: RequestSpec,
  timeoutMs: number | null,
): Promise<{ res: IncomingMessage; spec: RequestSpec; clear: () => void }> {
  const deadline = answerDeadline(timeoutMs, spec.signal);
  const bounded = { ...spec, signal: deadline.signal, sent: deadline.start };
  try {
    return {
      res: await sendRequest(endpoint, agent, bounded),
      spec: bounded,
      clear: deadline.clear,
    };
  } catch (err) {
    deadline.clear();
    throw err;
  }
}
