import type { IncomingMessage, ServerResponse } from 'node:http';
import { PaddockError } from '@paddock/shared';

/** JSON request bodies are small control messages; file bytes go through their own route. */
export const JSON_BODY_LIMIT = 1024 * 1024;

export type JsonObject = Record<string, unknown>;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'content-length': 0 });
  res.end();
}

/** Anything that is not a PaddockError is a bug: log it here, answer without internals. */
export function toPaddockError(err: unknown): PaddockError {
  if (err instanceof PaddockError) return err;
  console.error('guest-agent: unexpected error:', err);
  return new PaddockError('internal', 'unexpected error in the guest agent');
}

/** How much of an unread request body is discarded before an error is answered anyway. */
const DRAIN_BEFORE_ERROR_BYTES = 8 * 1024 * 1024;

/**
 * Reads and drops what is left of a request body. Answering while the client is still sending,
 * then closing, can make its next write fail before it has read the answer; draining first
 * means the error reaches it. Bounded, so a huge body is not read to the end just to refuse it.
 */
function drainRequest(req: IncomingMessage): Promise<void> {
  if (req.complete || req.destroyed) return Promise.resolve();
  // A body declared too large is not worth reading at all; a kept-alive connection is drained
  // by node after the answer anyway.
  if (Number(req.headers['content-length']) > DRAIN_BEFORE_ERROR_BYTES) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const done = (): void => {
      req.off('data', onData);
      resolve();
    };
    const onData = (chunk: Buffer): void => {
      seen += chunk.length;
      if (seen > DRAIN_BEFORE_ERROR_BYTES) done();
    };
    req.on('data', onData);
    req.once('end', done);
    req.once('close', done);
    req.once('error', done);
    req.resume();
  });
}

export async function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  err: unknown,
): Promise<void> {
  const e = toPaddockError(err);
  if (res.headersSent) {
    // Too late for a status; cutting the connection is the only honest signal left.
    res.destroy();
    return;
  }
  await drainRequest(req);
  if (!res.destroyed) sendJson(res, e.status, { error: { code: e.code, message: e.message } });
}

/**
 * Reads a JSON object body. Returns null for an empty body so routes with an optional body
 * (shutdown) can default it.
 */
export async function readJsonObject(req: IncomingMessage): Promise<JsonObject | null> {
  const type = req.headers['content-type'];
  if (type !== undefined && !/^application\/json\b/i.test(type)) {
    throw new PaddockError('unsupported_media_type', 'expected content-type application/json');
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > JSON_BODY_LIMIT) {
    throw new PaddockError(
      'payload_too_large',
      `JSON bodies are capped at ${JSON_BODY_LIMIT} bytes`,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.iterator({ destroyOnReturn: false })) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > JSON_BODY_LIMIT) break;
    chunks.push(buf);
  }
  if (size > JSON_BODY_LIMIT) {
    throw new PaddockError(
      'payload_too_large',
      `JSON bodies are capped at ${JSON_BODY_LIMIT} bytes`,
    );
  }
  if (size === 0) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks, size).toString('utf8'));
  } catch {
    throw new PaddockError('bad_request', 'the body is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new PaddockError('bad_request', 'the body must be a JSON object');
  }
  return value as JsonObject;
}

export async function requireJsonObject(req: IncomingMessage): Promise<JsonObject> {
  const body = await readJsonObject(req);
  if (body === null) throw new PaddockError('bad_request', 'a JSON body is required');
  return body;
}

/** A typo in a field name is a 400, never silently ignored (same rule as the public API). */
export function rejectUnknownFields(obj: JsonObject, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw new PaddockError('unknown_field', `unknown field: ${key}`);
  }
}

function badType(field: string, expected: string): PaddockError {
  return new PaddockError('bad_request', `${field} must be ${expected}`);
}

export function optString(
  obj: JsonObject,
  field: string,
  limits: { min?: number; max?: number } = {},
): string | undefined {
  const v = obj[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badType(field, 'a string');
  if (v.length < (limits.min ?? 0)) throw badType(field, `at least ${limits.min} characters`);
  if (limits.max !== undefined && v.length > limits.max) {
    throw badType(field, `at most ${limits.max} characters`);
  }
  return v;
}

export function reqString(
  obj: JsonObject,
  field: string,
  limits: { min?: number; max?: number } = {},
): string {
  const v = optString(obj, field, limits);
  if (v === undefined) throw new PaddockError('bad_request', `${field} is required`);
  return v;
}

export function optBoolean(obj: JsonObject, field: string): boolean | undefined {
  const v = obj[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw badType(field, 'a boolean');
  return v;
}

export function optInteger(
  obj: JsonObject,
  field: string,
  min: number,
  max: number,
): number | undefined {
  const v = obj[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw badType(field, `an integer from ${min} to ${max}`);
  }
  return v;
}

/** Query parameters as a plain map; unknown names are refused like unknown body fields. */
export function parseQuery(url: URL, allowed: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of url.searchParams) {
    if (!allowed.includes(key))
      throw new PaddockError('unknown_field', `unknown query parameter: ${key}`);
    if (out.has(key)) throw new PaddockError('bad_request', `query parameter ${key} given twice`);
    out.set(key, value);
  }
  return out;
}

export function queryBoolean(query: Map<string, string>, name: string): boolean | undefined {
  const v = query.get(name);
  if (v === undefined) return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw badType(name, 'true or false');
}

export function queryInteger(
  query: Map<string, string>,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const v = query.get(name);
  if (v === undefined) return undefined;
  const n = /^\d{1,15}$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max)
    throw badType(name, `an integer from ${min} to ${max}`);
  return n;
}
