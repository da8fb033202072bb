import type { FastifyBaseLogger } from 'fastify';
import type { EgressDenial } from '@paddock/shared';
import { DAEMON_ACTOR } from '../audit/auditCause.js';
import type { AuditLog, AuditRecord } from '../audit/auditLog.js';

export interface DenialAuditOptions {
  audit: Pick<AuditLog, 'recordMany'>;
  /** The owners of these sandboxes (the actor of a denial is its sandbox, under its owner). */
  owners: (sandboxIds: string[]) => Promise<Map<string, string>>;
  log: Pick<FastifyBaseLogger, 'warn'>;
  /** Denials held at most; past it each is counted as dropped, not kept. */
  bound?: number;
  /** Entries per transaction. */
  batch?: number;
  /** How long a denial waits for others to share its transaction. */
  everyMs?: number;
}

/**
 * Every egress denial as its own audit entry. A sandbox can refuse thousands a second, so they
 * wait in a bounded queue and are written in batches, one transaction each; past the bound
 * they are counted, and the count is an entry of its own (`egress.denials_dropped`): the audit
 * says how many it lost rather than the database drowning.
 */
export class DenialAudit {
  private queue: EgressDenial[] = [];
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly bound: number;
  private readonly batch: number;
  private readonly everyMs: number;

  constructor(private readonly o: DenialAuditOptions) {
    this.bound = o.bound ?? 10_000;
    this.batch = o.batch ?? 500;
    this.everyMs = o.everyMs ?? 200;
  }

  /** Called for each denial as the proxy makes it: never blocks, never throws. */
  readonly push = (denial: EgressDenial): void => {
    if (this.queue.length >= this.bound) this.dropped++;
    else this.queue.push(denial);
    this.schedule();
  };

  /** Writes what waits (after what is being written); resolves once it is in the database. */
  flush(): Promise<void> {
    this.writing = this.writing.then(() => this.drain());
    return this.writing;
  }

  /** At shutdown, after the proxy stopped: what waits is written before the database closes. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.everyMs);
    this.timer.unref();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 || this.dropped > 0) {
      const batch = this.queue.splice(0, this.batch);
      const dropped = this.dropped;
      this.dropped = 0;
      try {
        const owners = await this.o.owners([...new Set(batch.map((d) => d.sandbox_id))]);
        const records = batch.map((d) => entryOf(d, owners.get(d.sandbox_id) ?? null));
        if (dropped > 0) records.push(droppedEntry(dropped, this.bound));
        await this.o.audit.recordMany(records);
      } catch (err) {
        // Not written: counted as lost, and said so by the next batch that is.
        this.dropped += dropped + batch.length;
        this.o.log.warn(
          { err, denials: batch.length },
          'writing egress denials to the audit failed',
        );
        if (!this.closed) this.schedule();
        return;
      }
    }
  }
}

function entryOf(d: EgressDenial, owner: string | null): AuditRecord {
  return {
    actor: { owner, keyId: `sandbox:${d.sandbox_id}`, ip: null },
    action: 'egress',
    target: { type: 'sandbox', id: d.sandbox_id },
    outcome: 'denied',
    // Host and port only: the proxy never hands on a path, a query or a body.
    details: {
      decision: 'denied',
      host: d.host,
      port: d.port,
      kind: d.kind,
      reason: d.reason,
      rule: d.rule,
      at: d.at,
    },
  };
}

function droppedEntry(count: number, bound: number): AuditRecord {
  return {
    actor: DAEMON_ACTOR,
    action: 'egress.denials_dropped',
    outcome: 'failed',
    details: { count, bound, reason: 'flood' },
  };
}
