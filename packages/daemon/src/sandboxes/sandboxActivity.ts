import type { SandboxStore } from './sandboxStore.js';

/**
 * When a sandbox last did work, and whether a call is in flight: the idle clock. Activity is
 * work done in it through the API (commands, files, processes, keepalive), preview traffic and
 * tasks; reading its state is not.
 */
export class SandboxActivity {
  private readonly busy = new Map<string, number>();
  private readonly touched = new Map<string, number>();

  constructor(private readonly store: Pick<SandboxStore, 'touch'>) {}

  /** Marks the sandbox active now. */
  async touch(id: string): Promise<void> {
    const now = Date.now();
    // One write a second at most: activity is a coarse clock, not an access log.
    if (now - (this.touched.get(id) ?? 0) < 1_000) return;
    this.touched.set(id, now);
    await this.store.touch(id, new Date(now).toISOString());
  }

  /** Counts a call in flight: a sandbox running a command or a stream is never idle. */
  async track<T>(id: string, work: () => Promise<T>): Promise<T> {
    this.begin(id);
    try {
      return await work();
    } finally {
      await this.end(id);
    }
  }

  begin(id: string): void {
    this.busy.set(id, (this.busy.get(id) ?? 0) + 1);
  }

  /** The end of a call counts as activity: idle time starts when the last command finished. */
  async end(id: string): Promise<void> {
    const left = (this.busy.get(id) ?? 1) - 1;
    if (left > 0) this.busy.set(id, left);
    else this.busy.delete(id);
    this.touched.delete(id);
    await this.touch(id).catch(() => undefined);
  }

  isBusy(id: string): boolean {
    return this.busy.has(id);
  }
}
