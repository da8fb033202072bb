// What the SDK in an app's window and the console's desktop say to each other. The handshake
// runs over window.postMessage, everything after over the MessagePort it hands over. No message
// names an app: the port is the app's identity, decided by the console when it handed it out.
import type { BrokerMethod } from '@paddock/shared';

export { METHOD_CAPABILITIES, isBrokerMethod } from './methods.js';

/** The fragment key in the window's URL that holds the console's origin. */
export const PARENT_ORIGIN_KEY = 'paddock-parent';

/** App → console (to `parent`, targetOrigin = the console's origin): "give me my port". */
export const HELLO = 'paddock:hello';
/** Console → app (the frame's origin is opaque, see appBridge.ts): carries the port. */
export const PORT = 'paddock:port';

export interface HelloMessage {
  type: typeof HELLO;
}
export interface PortMessage {
  type: typeof PORT;
}

/** A broker call over the port. */
export interface CallRequest {
  id: number;
  type: 'call';
  method: BrokerMethod;
  params: Record<string, unknown>;
}

/** Asks the user (a dialog in the desktop) for an optional permission. */
export interface PermissionRequest {
  id: number;
  type: 'permission';
  capability: string;
}

/**
 * A file written from a Blob (`files.upload`): the Blob travels by reference, and the console
 * streams it to the broker's file route. Bounded by the app's quota, not the message cap.
 */
export interface UploadRequest {
  id: number;
  type: 'upload';
  path: string;
  mime?: string;
  blob: Blob;
}

/** A file read as a Blob (`files.download`); answered with `DownloadResult`. */
export interface DownloadRequest {
  id: number;
  type: 'download';
  path: string;
}

export interface DownloadResult {
  blob: Blob;
  mime: string;
  size: number;
}

export type PortRequest = CallRequest | PermissionRequest | UploadRequest | DownloadRequest;

export interface WireError {
  code: string;
  message: string;
  details?: unknown;
}

/** The answer to a request with the same id. A permission request's result is `{granted}`. */
export type PortResponse =
  { id: number; ok: true; result: unknown } | { id: number; ok: false; error: WireError };

/** The console's bounds on what a window sends (checked in the desktop's bridge). */
export const BRIDGE_LIMITS = {
  /** One message, as JSON text: a file's 8 MiB as base64 plus room. */
  messageBytes: 12 * 1024 * 1024,
  /** Requests in flight per window. */
  inFlight: 32,
  /** Requests per window: a bucket of this many, refilled at `perSecond`. */
  burst: 200,
  perSecond: 100,
  /** A call the console relays gives up after this long. */
  callTimeoutMs: 30_000,
} as const;
