/** The exec stream's wire format (server-sent events), written by the agent and the daemon and read by every client. */
import type { ExecStreamFrame } from './agent/messages.js';

const FRAME_EVENTS = new Set(['start', 'stdout', 'stderr', 'exit', 'error']);

/**
 * An incremental parser for Paddock's event streams (exec, tasks, logs): feed it text as it
 * arrives, in chunks cut anywhere, and it returns the frames completed so far, each with its
 * event name and parsed JSON data. Accepts LF, CRLF and CR line ends, comments, and multi-line
 * data, as the SSE format allows.
 */
export class SseParser<
  Frame extends { event: string; data: unknown } = {
    event: string;
    data: unknown;
  },
> {
  constructor(private readonly accept: (event: string) => boolean = () => true) {}

  private buffer = '';
  private skipLeadingLf = false;
  private event = '';
  private data: string[] = [];

  push(text: string): Frame[] {
    if (this.skipLeadingLf && text.startsWith('\n')) text = text.slice(1);
    this.skipLeadingLf = false;
    if (text === '') return [];
    this.buffer += text;
    // A CR at the very end may be the first half of a CRLF split across chunks.
    this.skipLeadingLf = this.buffer.endsWith('\r');
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop() ?? '';
    const frames: Frame[] = [];
    for (const line of lines) {
      const frame = this.line(line);
      if (frame) frames.push(frame);
    }
    return frames;
  }

  private line(line: string): Frame | null {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    return null;
  }

  private dispatch(): Frame | null {
    const event = this.event;
    const data = this.data.join('\n');
    this.event = '';
    this.data = [];
    if (!this.accept(event) || data === '') return null;
    return { event, data: JSON.parse(data) as unknown } as Frame;
  }
}

/** Exec streams: only the exec frame events, typed. */
export class ExecStreamParser extends SseParser<ExecStreamFrame> {
  constructor() {
    super((event) => FRAME_EVENTS.has(event));
  }
}

/** One frame as SSE text: `event: NAME` and a JSON `data:` line, then a blank line. */
export function encodeSseFrame(frame: { event: string; data: unknown }): string {
  return `event: ${frame.event}\ndata: ${JSON.stringify(frame.data)}\n\n`;
}

/** An exec stream frame as SSE text. */
export function encodeExecFrame(frame: ExecStreamFrame): string {
  return encodeSseFrame(frame);
}
