import { ExecStreamFrame, ExecStreamParser } from '@paddock/shared';
import { agentError, checkedError, isObject } from './agentErrors.js';
import { conforms } from './answers.js';

/** Exec stream text held without completing a frame (one partial line or frame). */
const MAX_STREAM_FRAME_CHARS = 4 * 1024 * 1024;

/** A parsed exec stream frame checked against its schema; an `error` frame's code like errorFrom. */
function checkFrame(frame: { event: string; data: unknown }): ExecStreamFrame {
  const bad = (): Error => agentError(`sent a malformed ${frame.event} frame`);
  if (!isObject(frame.data)) throw bad();
  if (frame.event === 'error') {
    const err = checkedError(frame.data, 'sent an error frame');
    return { event: 'error', data: { code: err.code, message: err.message } };
  }
  if (!conforms(ExecStreamFrame, frame)) throw bad();
  return frame;
}

/**
 * The shared SSE parser with bounds. It holds at most one partial frame; `held` is an upper
 * bound on that text (everything fed since the last slice that completed a frame), so a line or
 * frame that never ends is cut off at MAX_STREAM_FRAME_CHARS instead of growing without limit.
 */
export class BoundedFrameReader {
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
