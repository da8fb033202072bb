// What an app's window may send over its port, checked before anything is relayed. Pure: the
// bridge (appBridge.ts) uses it, and test/ checks it without a browser.
import {
  BRIDGE_LIMITS,
  isBrokerMethod,
  type PortRequest,
  type WireError,
} from '@paddock/app-sdk/protocol';

export type Parsed =
  | { ok: true; request: PortRequest }
  /** `id` is null when the message has no usable id: then there is nobody to answer. */
  | { ok: false; id: number | null; error: WireError };

const CAPABILITY = /^(app\.[a-z]+|network:https:\/\/[a-z0-9.-]+(:\d{1,5})?)$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The size of a message as JSON text, or null when it is not JSON (cycles, BigInt...). */
export function jsonSize(value: unknown): number | null {
  try {
    const text = JSON.stringify(value);
    return typeof text === 'string' ? text.length : null;
  } catch {
    return null;
  }
}

const bad = (id: number | null, message: string, code = 'bad_request'): Parsed => ({
  ok: false,
  id,
  error: { code, message },
});

/** A request from a window, or why it is refused. Nothing in it can name an app. */
export function parsePortMessage(
  data: unknown,
  maxBytes: number = BRIDGE_LIMITS.messageBytes,
): Parsed {
  if (!isPlainObject(data)) return bad(null, 'a request is an object');
  const id = Number.isSafeInteger(data.id) && (data.id as number) > 0 ? (data.id as number) : null;
  if (id === null) return bad(null, 'a request needs a positive integer id');
  const size = jsonSize(data);
  if (size === null) return bad(id, 'a request must be plain JSON');
  if (size > maxBytes)
    return bad(id, `a request is at most ${maxBytes} bytes`, 'payload_too_large');

  if (data.type === 'call') {
    const keys = Object.keys(data).sort().join(',');
    if (keys !== 'id,method,params,type' && keys !== 'id,method,type') {
      return bad(id, 'a call has only id, type, method and params');
    }
    if (!isBrokerMethod(data.method)) return bad(id, `unknown method ${String(data.method)}`);
    const params = data.params ?? {};
    if (!isPlainObject(params)) return bad(id, 'params must be an object');
    return { ok: true, request: { id, type: 'call', method: data.method, params } };
  }
  if (data.type === 'permission') {
    if (Object.keys(data).sort().join(',') !== 'capability,id,type') {
      return bad(id, 'a permission request has only id, type and capability');
    }
    if (typeof data.capability !== 'string' || !CAPABILITY.test(data.capability)) {
      return bad(id, 'not a capability');
    }
    return { ok: true, request: { id, type: 'permission', capability: data.capability } };
  }
  if (data.type === 'upload') {
    const keys = Object.keys(data).sort().join(',');
    if (keys !== 'blob,id,path,type' && keys !== 'blob,id,mime,path,type') {
      return bad(id, 'an upload has only id, type, path, mime and blob');
    }
    if (!(data.blob instanceof Blob)) return bad(id, 'blob must be a Blob');
    if (!isFilePath(data.path)) return bad(id, 'path must be a relative path');
    if (data.mime !== undefined && (typeof data.mime !== 'string' || data.mime.length > 255)) {
      return bad(id, 'mime must be a string');
    }
    const request: PortRequest = { id, type: 'upload', path: data.path, blob: data.blob };
    if (data.mime !== undefined) request.mime = data.mime;
    return { ok: true, request };
  }
  if (data.type === 'download') {
    if (Object.keys(data).sort().join(',') !== 'id,path,type') {
      return bad(id, 'a download has only id, type and path');
    }
    if (!isFilePath(data.path)) return bad(id, 'path must be a relative path');
    return { ok: true, request: { id, type: 'download', path: data.path } };
  }
  return bad(id, 'type must be call, permission, upload or download');
}

/** A string the broker could take as a file path (it checks the rest). */
function isFilePath(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 1024;
}

/** A token bucket: `burst` requests at once, refilled at `perSecond`. */
export class RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
