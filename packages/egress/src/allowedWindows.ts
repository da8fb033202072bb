import type { EgressAuditRecord, EgressSandbox } from './ports.js';

type Details = EgressAuditRecord['details'];
type Write = (sandbox: EgressSandbox, details: Details) => void;

interface Window {
  sandbox: EgressSandbox;
  details: Details;
  openedAt: number;
  requests: number;
}

/** Open windows kept at most; past it every window is closed out early (memory stays bounded). */
const WINDOWS_MAX = 10_000;

/**
 * Allowed requests, counted per sandbox and destination in windows of `everyMs`: a window's
 * first request is written at once (a new destination shows without delay), and when the
 * window ends its count is written (`window: closed`, `requests`), so the audit holds how many
 * went where without an entry per request.
 */
export class AllowedWindows {
  private readonly open = new Map<string, Window>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly write: Write,
    private readonly everyMs: number,
  ) {
    this.timer = setInterval(() => this.sweep(Date.now()), Math.max(1_000, everyMs / 4));
    this.timer.unref();
  }

  /** One allowed request to the destination `key` names. */
  count(key: string, sandbox: EgressSandbox, details: Details, now = Date.now()): void {
    const current = this.open.get(key);
    if (current && now - current.openedAt < this.everyMs) {
      current.requests++;
      return;
    }
    if (current) this.closeOut(key, current, now);
    if (this.open.size >= WINDOWS_MAX) this.sweep(Number.POSITIVE_INFINITY);
    this.open.set(key, { sandbox, details, openedAt: now, requests: 1 });
    this.write(sandbox, { ...details, window: 'opened' });
  }

  /** Closes out the windows older than `everyMs` at `now` (all of them for Infinity). */
  sweep(now: number): void {
    for (const [key, w] of this.open) {
      if (now - w.openedAt >= this.everyMs) this.closeOut(key, w, now);
    }
  }

  /** At shutdown: every open window's count is written. */
  close(): void {
    clearInterval(this.timer);
    this.sweep(Number.POSITIVE_INFINITY);
  }

  private closeOut(key: string, w: Window, now: number): void {
    this.open.delete(key);
    const seconds = Math.round((Math.min(now, w.openedAt + this.everyMs) - w.openedAt) / 1000);
    this.write(w.sandbox, {
      ...w.details,
      window: 'closed',
      requests: w.requests,
      window_seconds: seconds,
    });
  }
}
