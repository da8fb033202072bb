import {
  ExecStreamFrame,
  ExecStreamParser,
  FileWatchFrame,
  SseParser,
  type FileChangeType,
} from '@paddock/shared';
import { agentError, checkedError, isObject } from './agentErrors.js';
import { conforms } from './answers.js';

/** Exec stream text held without completing a frame (one partial line or frame). */
const MAX_STREAM_FRAME_CHARS = 4 * 1024 * 1024;
/** The same for a file watch, whose frames are a path and two words. */
const MAX_WATCH_FRAME_CHARS = 64 * 1024;

type RawFrame = { event: string; data: unknown };

/** An `error` frame's data checked like an error answer (errorFrom): a known code, a cut message. */
function errorFrame(data: object): { event: 'error'; data: { code: string; message: string } } {
  const err = checkedError(data, 'sent an error frame');
  return { event: 'error', data: { code: err.code, message: err.message } };
}

/** A parsed exec stream frame checked against its schema; an `error` frame's code like errorFrom. */
function checkFrame(frame: RawFrame): ExecStreamFrame {
  const bad = (): Error => agentError(`sent a malformed ${frame.event} frame`);
  if (!isObject(frame.data)) throw bad();
  if (frame.event === 'error') return errorFrame(frame.data);
  if (!conforms(ExecStreamFrame, frame)) throw bad();
  return frame;
}

const CHANGES: ReadonlySet<string> = new Set<FileChangeType>(['created', 'changed', 'removed']);

/**
 * A file watch frame checked against its schema and rebuilt from the fields it may carry, so
 * nothing else the agent adds is passed on.
 */
function checkWatchFrame(frame: RawFrame): FileWatchFrame {
  const bad = (): Error => agentError(`sent a malformed ${frame.event} file watch frame`);
  if (!isObject(frame.data)) throw bad();
  if (frame.event === 'error') return errorFrame(frame.data);
  if (!conforms(FileWatchFrame, frame)) throw bad();
  const f: FileWatchFrame = frame;
  if (f.event === 'error') return errorFrame(f.data);
  if (f.event === 'ready' || f.event === 'overflow') {
    return { event: f.event, data: { path: f.data.path } };
  }
  const { type, path, kind } = f.data;
  if (type !== f.event) throw bad();
  return { event: type, data: { type, path, kind } };
}

/**
 * The shared SSE parser with bounds. It holds at most one partial frame; `held` is an upper
 * bound on that text (everything fed since the last slice that completed a frame), so a line or
 * frame that never ends is cut off at `maxChars` instead of growing without limit.
 */
export class BoundedSseReader<F> {
  private held = 0;

  constructor(
    private readonly parser: SseParser,
    private readonly check: (frame: RawFrame) => F,
    private readonly what: string,
    private readonly maxChars: number,
  ) {}

  push(text: string): F[] {
    let frames: RawFrame[];
    try {
      frames = this.parser.push(text);
    } catch {
      throw agentError('sent a frame that is not valid JSON');
    }
    this.held = frames.length > 0 ? text.length : this.held + text.length;
    if (this.held > this.maxChars) {
      throw agentError(`sent ${this.what} over ${this.maxChars} characters`);
    }
    return frames.map(this.check);
  }
}

/** Exec streams: `start`, `stdout`, `stderr`, `exit` and `error` frames. */
export class BoundedFrameReader extends BoundedSseReader<ExecStreamFrame> {
  constructor() {
    super(new ExecStreamParser(), checkFrame, 'an exec stream frame', MAX_STREAM_FRAME_CHARS);
  }
}

const WATCH_EVENTS: ReadonlySet<string> = new Set([...CHANGES, 'ready', 'overflow', 'error']);

/** File watches: `ready`, a frame per change, `overflow` and `error`. */
export class WatchFrameReader extends BoundedSseReader<FileWatchFrame> {
  constructor() {
    super(
      new SseParser((event) => WATCH_EVENTS.has(event)),
      checkWatchFrame,
      'a file watch frame',
      MAX_WATCH_FRAME_CHARS,
    );
  }
}
