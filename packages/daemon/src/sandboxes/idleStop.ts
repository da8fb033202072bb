import type { FastifyBaseLogger } from 'fastify';
import type { SettingsStore } from '../settings/settingsStore.js';
import type { SandboxService } from './sandboxService.js';
import type { SandboxStore } from './sandboxStore.js';

/**
 * The idle-stop loop. It reads the settings on every tick, so a PATCH /v1/settings is in force
 * from the next tick without a restart, and ticks often enough for short thresholds.
 */
export class IdleStopper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly sandboxes: SandboxService,
    private readonly store: SandboxStore,
    private readonly settings: SettingsStore,
    private readonly log: FastifyBaseLogger,
  ) {}

  start(): void {
    this.schedule();
  }

  private schedule(): void {
    if (this.closed) return;
    const idle = this.settings.get().idle_stop_seconds;
    // A quarter of the threshold, between 1 s and 15 s: a sandbox overstays by at most that.
    const every = idle > 0 ? Math.min(15_000, Math.max(1_000, (idle * 1000) / 4)) : 15_000;
    this.timer = setTimeout(() => {
      this.running = this.stopIdle(this.settings.get().idle_stop_seconds)
        .then((ids) => {
          if (ids.length > 0) this.log.info({ sandboxes: ids }, 'stopped idle sandboxes');
        })
        .catch((err: unknown) => this.log.warn({ err }, 'idle stop pass failed'))
        .finally(() => this.schedule());
    }, every);
    this.timer.unref();
  }

  /**
   * Stops running sandboxes that had no activity for `idleSeconds` (0: never), unless a call is
   * in flight or a keepalive holds. Returns the ids it stopped.
   */
  async stopIdle(idleSeconds: number, now = Date.now()): Promise<string[]> {
    if (idleSeconds <= 0) return [];
    const stopped: string[] = [];
    for (const row of await this.store.listRunning()) {
      if (!this.sandboxes.isIdle(row.id)) continue;
      if (row.keepalive_until && Date.parse(row.keepalive_until) > now) continue;
      const last = Math.max(
        Date.parse(row.last_active_at ?? '') || 0,
        Date.parse(row.started_at ?? '') || 0,
      );
      if (now - last < idleSeconds * 1000) continue;
      try {
        await this.sandboxes.stop(row.owner_id, row.id, undefined, {
          reason: 'idle',
          text: `stopped after ${idleSeconds} s without activity`,
        });
        stopped.push(row.id);
      } catch (err) {
        this.log.warn({ err, sandbox_id: row.id }, 'idle stop failed');
      }
    }
    return stopped;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
