/**
 * Terminals (PTYs): what the public WebSocket (`GET /v1/sandboxes/{id}/pty`) and the agent's
 * `GET /pty` upgrade agree on. Both carry terminal bytes untouched (never decoded on the way, so
 * a UTF-8 sequence split across reads stays whole) and a few JSON control messages:
 *
 * - to the terminal: `{"type":"resize","cols":C,"rows":R}`, `{"type":"signal","signal":S}` and
 *   `{"type":"eof"}` (the end of input, as a pipe's end: for piped, not typed, input);
 * - from it: `{"type":"exit","code":N|null,"signal":S|null}` once the shell is gone, and
 *   `{"type":"error","code":C,"message":M}` when the daemon cannot go on (then it closes).
 *
 * On the WebSocket, bytes are binary messages and control messages are text messages. Between
 * the daemon and the agent (a raw stream after `101`), each is a frame: one kind byte
 * (`PTY_FRAME_KIND`), the payload's length as a 32-bit big-endian integer, the payload.
 *
 * Pure code: the agent bundles it and compiles no schema for it.
 */

import { PaddockError, isErrorCode, type ErrorCode } from '../errors.js';
import { PTY_LIMITS, PTY_SIGNALS, type PtySignal } from './ptyLimits.js';

/** The Upgrade token of the agent's terminal route. */
export const AGENT_PTY_PROTOCOL = 'paddock-pty';

export { PTY_LIMITS, PTY_SIGNALS, type PtySignal } from './ptyLimits.js';

export interface PtyResize {
  type: 'resize';
  cols: number;
  rows: number;
}
export interface PtySignalMessage {
  type: 'signal';
  signal: PtySignal;
}
/** No more input: script(1) passes the end on to the shell once it reads a line again. */
export interface PtyEof {
  type: 'eof';
}
/** What a client may send as text. */
export type PtyInput = PtyResize | PtySignalMessage | PtyEof;

export interface PtyExit {
  type: 'exit';
  /** The shell's exit status as script(1) reports it (128 + n when a signal ended the shell). */
  code: number | null;
  /** Set when the terminal itself (script) was ended by a signal. */
  signal: string | null;
}
export interface PtyError {
  type: 'error';
  code: ErrorCode;
  message: string;
}
/** What a client receives as text. */
export type PtyOutput = PtyExit | PtyError;

/** The terminal's size, checked: integers within PTY_LIMITS. */
export function checkPtySize(cols: unknown, rows: unknown): { cols: number; rows: number } {
  const ok = (v: unknown, max: number): v is number =>
    typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max;
  if (!ok(cols, PTY_LIMITS.maxCols) || !ok(rows, PTY_LIMITS.maxRows)) {
    throw new PaddockError(
      'bad_request',
      `cols and rows must be integers from 1 to ${PTY_LIMITS.maxCols} and ${PTY_LIMITS.maxRows}`,
    );
  }
  return { cols, rows };
}

function parseObject(text: string): Record<string, unknown> {
  if (text.length > PTY_LIMITS.controlBytes) {
    throw new PaddockError(
      'bad_request',
      `a control message is at most ${PTY_LIMITS.controlBytes} bytes`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new PaddockError('bad_request', 'a text message must be a JSON control message');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new PaddockError('bad_request', 'a control message must be a JSON object');
  }
  return value as Record<string, unknown>;
}

function onlyFields(o: Record<string, unknown>, fields: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!fields.includes(k)) throw new PaddockError('unknown_field', `unknown field: ${k}`);
  }
}

/** A client's control message (resize, signal or eof), checked; `bad_request` otherwise. */
export function parsePtyInput(text: string): PtyInput {
  const o = parseObject(text);
  if (o.type === 'resize') {
    onlyFields(o, ['type', 'cols', 'rows']);
    return { type: 'resize', ...checkPtySize(o.cols, o.rows) };
  }
  if (o.type === 'signal') {
    onlyFields(o, ['type', 'signal']);
    if (typeof o.signal !== 'string' || !(PTY_SIGNALS as readonly string[]).includes(o.signal)) {
      throw new PaddockError('bad_request', `signal must be one of ${PTY_SIGNALS.join(', ')}`);
    }
    return { type: 'signal', signal: o.signal as PtySignal };
  }
  if (o.type === 'eof') {
    onlyFields(o, ['type']);
    return { type: 'eof' };
  }
  throw new PaddockError('bad_request', 'type must be resize, signal or eof');
}

/** The agent's control message (exit or error), checked: the agent is code in the sandbox. */
export function parsePtyOutput(text: string): PtyOutput {
  const o = parseObject(text);
  if (o.type === 'exit') {
    const code = o.code === null || (Number.isInteger(o.code) && typeof o.code === 'number');
    const signal =
      o.signal === null || (typeof o.signal === 'string' && /^SIG[A-Z0-9]{1,10}$/.test(o.signal));
    if (!code || !signal) throw new PaddockError('bad_request', 'a malformed exit message');
    return { type: 'exit', code: o.code as number | null, signal: o.signal as string | null };
  }
  if (o.type === 'error') {
    if (!isErrorCode(o.code) || typeof o.message !== 'string') {
      throw new PaddockError('bad_request', 'a malformed error message');
    }
    return { type: 'error', code: o.code, message: o.message.slice(0, 500) };
  }
  throw new PaddockError('bad_request', 'type must be exit or error');
}

/** Frame kinds between the daemon and the agent. */
export const PTY_FRAME_KIND = { data: 0, control: 1 } as const;
export type PtyFrameKind = keyof typeof PTY_FRAME_KIND;
export interface PtyFrame {
  kind: PtyFrameKind;
  payload: Buffer;
}

const HEADER_BYTES = 5;

/** One frame: kind, length, payload. */
export function encodePtyFrame(kind: PtyFrameKind, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const frame = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  frame[0] = PTY_FRAME_KIND[kind];
  frame.writeUInt32BE(body.length, 1);
  body.copy(frame, HEADER_BYTES);
  return frame;
}

/**
 * Splits a byte stream into frames. A frame of an unknown kind, or longer than allowed (control
 * messages are shorter still), throws: the stream is then not to be trusted any further.
 */
export class PtyFrameReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): PtyFrame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: PtyFrame[] = [];
    let at = 0;
    while (this.pending.length - at >= HEADER_BYTES) {
      const code = this.pending[at] as number;
      const kind: PtyFrameKind | undefined =
        code === PTY_FRAME_KIND.data
          ? 'data'
          : code === PTY_FRAME_KIND.control
            ? 'control'
            : undefined;
      if (kind === undefined) throw new PaddockError('bad_request', `unknown frame kind ${code}`);
      const length = this.pending.readUInt32BE(at + 1);
      const max = kind === 'data' ? PTY_LIMITS.framePayloadBytes : PTY_LIMITS.controlBytes;
      if (length > max) throw new PaddockError('bad_request', `a ${kind} frame of ${length} bytes`);
      if (this.pending.length - at - HEADER_BYTES < length) break;
      const start = at + HEADER_BYTES;
      frames.push({ kind, payload: this.pending.subarray(start, start + length) });
      at = start + length;
    }
    this.pending = at === this.pending.length ? Buffer.alloc(0) : this.pending.subarray(at);
    return frames;
  }
}
