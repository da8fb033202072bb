import fs from 'node:fs';
import path from 'node:path';
import { PaddockError, type TaskStatus, type TaskStreamFrame } from '@paddock/shared';

/** A task's log is kept whole up to this size; past it, the rest is counted, not kept. */
export const TASK_LOG_MAX_BYTES = 16 * 1024 * 1024;
/** Live followers of one task at once. */
export const TASK_FOLLOWERS_MAX = 32;

type Listener = (frame: TaskStreamFrame) => void;

/**
 * Where tasks' logs live: one file per task under the data dir (root-only), plus the live
 * frames of running tasks for stream subscribers. A subscriber takes the backlog and joins the
 * live frames in one synchronous step, so it misses nothing and sees nothing twice.
 */
export class TaskLogs {
  private readonly live = new Map<
    string,
    { text: string[]; bytes: number; status: TaskStatus; listeners: Set<Listener> }
  >();

  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private file(id: string): string {
    return path.join(this.dir, `${id}.log`);
  }

  diffFile(id: string): string {
    return path.join(this.dir, `${id}.diff`);
  }

  /** A new task: its (empty) log exists and can be followed from now, queued or not. */
  prepare(id: string): void {
    this.live.set(id, { text: [], bytes: 0, status: 'queued', listeners: new Set() });
    fs.writeFileSync(this.file(id), '', { mode: 0o600 });
  }

  append(id: string, text: string): void {
    const entry = this.live.get(id);
    if (!entry || text === '') return;
    const size = Buffer.byteLength(text);
    if (entry.bytes + size > TASK_LOG_MAX_BYTES) {
      if (entry.bytes < TASK_LOG_MAX_BYTES) {
        const note = '\n[paddock] the log is over its size limit; the rest is not kept\n';
        entry.bytes = TASK_LOG_MAX_BYTES;
        fs.appendFileSync(this.file(id), note);
        entry.text.push(note);
        this.emit(entry.listeners, { event: 'log', data: { text: note } });
      }
      return;
    }
    entry.bytes += size;
    entry.text.push(text);
    fs.appendFileSync(this.file(id), text);
    this.emit(entry.listeners, { event: 'log', data: { text } });
  }

  frame(id: string, frame: TaskStreamFrame): void {
    const entry = this.live.get(id);
    if (!entry) return;
    if (frame.event === 'status') entry.status = frame.data.status;
    this.emit(entry.listeners, frame);
  }

  /** The task has ended: subscribers are told by the caller's final frame, then let go. */
  close(id: string): void {
    const entry = this.live.get(id);
    this.live.delete(id);
    entry?.listeners.clear();
  }

  /** The log so far, and (while the task is live) a subscription to what follows. */
  subscribe(
    id: string,
    listener: Listener,
  ): { backlog: string; live: boolean; status?: TaskStatus; unsubscribe: () => void } {
    const entry = this.live.get(id);
    if (entry) {
      if (entry.listeners.size >= TASK_FOLLOWERS_MAX) {
        throw new PaddockError('rate_limited', `at most ${TASK_FOLLOWERS_MAX} followers per task`);
      }
      entry.listeners.add(listener);
      return {
        backlog: entry.text.join(''),
        live: true,
        status: entry.status,
        unsubscribe: () => entry.listeners.delete(listener),
      };
    }
    let backlog = '';
    try {
      backlog = fs.readFileSync(this.file(id), 'utf8');
    } catch {
      // a task from before logs were kept, or one whose log was removed
    }
    return { backlog, live: false, unsubscribe: () => undefined };
  }

  /** The log's size in bytes, or undefined when it has none. */
  size(id: string): number | undefined {
    try {
      return fs.statSync(this.file(id)).size;
    } catch {
      return undefined;
    }
  }

  /**
   * Up to `max` bytes (at least 4, one whole character) of the log from byte `offset`, cut at
   * a character boundary, and where the next read starts: how a caller that polls follows a
   * task (an app through the broker).
   */
  read(id: string, offset: number, max: number): { text: string; next: number } {
    let fd: number;
    try {
      fd = fs.openSync(this.file(id), 'r');
    } catch {
      return { text: '', next: offset };
    }
    try {
      const buf = Buffer.alloc(max);
      let n = fs.readSync(fd, buf, 0, max, offset);
      // A character cut in two is left for the next read, whole.
      let start = n - 1;
      while (start > 0 && n - start < 4 && (buf[start]! & 0xc0) === 0x80) start--;
      const lead = buf[start] ?? 0;
      const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
      if (start >= 0 && start + length > n) n = start;
      return { text: buf.subarray(0, n).toString('utf8'), next: offset + n };
    } finally {
      fs.closeSync(fd);
    }
  }

  private emit(listeners: Set<Listener>, frame: TaskStreamFrame): void {
    for (const l of listeners) l(frame);
  }
}
