import type { FastifyBaseLogger } from 'fastify';
import type { AuditLog } from './auditLog.js';

const EVERY_MS = 60 * 60_000;

/** Where the retention comes from (the settings store), read on every pass. */
export interface RetentionSetting {
  get(): { audit_retention_days: number };
}

/** Removes audit entries past `audit_retention_days`, at start and every hour. */
export class AuditRetention {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly audit: AuditLog,
    private readonly settings: RetentionSetting,
    private readonly log: FastifyBaseLogger,
  ) {}

  start(): void {
    void this.prune();
    this.timer = setInterval(() => void this.prune(), EVERY_MS);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async prune(now = Date.now()): Promise<number> {
    const days = this.settings.get().audit_retention_days;
    try {
      const removed = await this.audit.prune(new Date(now - days * 86_400_000));
      if (removed > 0) this.log.info({ removed, days }, 'audit entries past retention removed');
      return removed;
    } catch (err) {
      this.log.error({ err }, 'audit retention failed');
      return 0;
    }
  }
}
