import { keepTail } from './boundedText.js';

/** Output arrives in bursts; render at most this often. */
export const FLUSH_MS = 50;

/**
 * A live log's text as shown: chunks append, a backlog (the whole log or tail a stream starts
 * with) replaces, and what is kept stays within the memory bound between renders too (a hidden
 * tab may flush rarely). Renders are batched to one per FLUSH_MS.
 */
export class TailBuffer {
  private shown = '';
  private pending = '';
  private replace = false;
  private dropped = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;

  constructor(
    /** Gets the text to show, and whether older output was dropped to stay bounded. */
    private readonly render: (text: string, trimmed: boolean) => void,
    private readonly flushMs = FLUSH_MS,
  ) {}

  add(chunk: string, options: { replace?: boolean } = {}): void {
    if (options.replace) {
      this.replace = true;
      this.pending = chunk;
    } else {
      this.pending += chunk;
    }
    const kept = keepTail(this.pending);
    this.dropped ||= kept.length < this.pending.length;
    this.pending = kept;
    this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  /** Renders what is pending now (e.g. when the stream ends). */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.disposed) return;
    const whole = this.replace ? this.pending : this.shown + this.pending;
    this.shown = keepTail(whole);
    this.dropped ||= this.shown.length < whole.length;
    this.pending = '';
    this.replace = false;
    this.render(this.shown, this.dropped);
  }

  /** Renders nothing more (the view went away). */
  dispose(): void {
    this.disposed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
