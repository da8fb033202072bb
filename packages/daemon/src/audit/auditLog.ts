import { monotonicFactory } from 'ulid';
import type { AuditEntry, AuditQuery } from '@paddock/shared';
import type { Db } from '../store/database.js';
import { pageOf } from '../store/pages.js';
import type { AuditLogTable } from '../store/schema.js';
import { isStorageFull } from '../store/storageFull.js';
import type { Actor } from '../http/principal.js';

export type { Actor };

export interface AuditRecord {
  actor: Actor;
  action: string;
  target?: { type: string; id: string };
  outcome?: AuditEntry['outcome'];
  /** Names, counts, hashes and codes: callers never put values, bodies or output here. */
  details?: Record<string, string | number | boolean | null | string[]>;
}

/** Key use is recorded once per key and window, not per request. */
const KEY_USE_WINDOW_MS = 10 * 60_000;
/** Failed authentication, once per address and window. */
const AUTH_FAILED_WINDOW_MS = 60_000;
const EXPORT_PAGE = 500;
/** Entries held while the data disk is full; past this, audited operations are refused. */
const MAX_BACKLOG = 10_000;
const BACKLOG_RETRY_MS = 2_000;

/**
 * The audit log: append-only and separate from app events. Sensitive actions are recorded with
 * who, what and whether it worked; never a secret, a body or command output. Only retention
 * removes entries.
 */
export class AuditLog {
  private readonly nextId = monotonicFactory();
  private readonly lastKeyUse = new Map<string, number>();
  private readonly lastAuthFailure = new Map<string, number>();

  /**
   * Entries the full disk refused, oldest first, written as soon as it takes them again: a
   * read keeps working while the disk is full, and its entry keeps its id and time. Lost only
   * if the daemon dies before space returns (docs/reliability.md).
   */
  private backlog: AuditLogTable[] = [];
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly db: Db) {}

  async record(r: AuditRecord): Promise<void> {
    const row = this.rowOf(r);
    if (this.backlog.length > 0) return this.hold(row);
    try {
      await this.db.insertInto('audit_log').values(row).execute();
    } catch (err) {
      if (!isStorageFull(err)) throw err;
      this.hold(row);
    }
  }

  /** How many entries wait for disk space. */
  get waiting(): number {
    return this.backlog.length;
  }

  /** Writes what waits, if the disk takes it now; the daemon calls this before it exits. */
  async flush(): Promise<void> {
    if (this.backlog.length === 0) return;
    const rows = this.backlog.slice();
    try {
      await this.insertRows(rows);
      this.backlog = this.backlog.slice(rows.length);
    } catch (err) {
      if (!isStorageFull(err)) throw err;
    }
    if (this.backlog.length === 0) {
      clearInterval(this.retry);
      this.retry = undefined;
    }
  }

  /** Fails closed: with the backlog full, the operation is refused as the disk refused it. */
  private hold(row: AuditLogTable): void {
    if (this.backlog.length >= MAX_BACKLOG) {
      throw Object.assign(new Error('the audit backlog is full and the disk takes no entries'), {
        code: 'ENOSPC',
      });
    }
    this.backlog.push(row);
    this.retry ??= setInterval(() => {
      this.flush().catch(() => undefined);
    }, BACKLOG_RETRY_MS).unref();
  }

  private async insertRows(rows: AuditLogTable[]): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      // SQLite bounds the variables of one statement; 100 rows are 1,000.
      for (let i = 0; i < rows.length; i += 100) {
        await tx
          .insertInto('audit_log')
          .values(rows.slice(i, i + 100))
          .execute();
      }
    });
  }

  /** Many entries in one transaction: a batch of egress denials costs one commit, not many. */
  async recordMany(records: AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    const rows = records.map((r) => this.rowOf(r));
    if (this.backlog.length > 0) {
      for (const row of rows) this.hold(row);
      return;
    }
    try {
      await this.insertRows(rows);
    } catch (err) {
      if (!isStorageFull(err)) throw err;
      for (const row of rows) this.hold(row);
    }
  }

  private rowOf(r: AuditRecord): AuditLogTable {
    return {
      id: `aud${this.nextId().toLowerCase()}`,
      at: new Date().toISOString(),
      actor_owner: r.actor.owner,
      actor_key: r.actor.keyId,
      ip: r.actor.ip ?? null,
      action: r.action,
      target_type: r.target?.type ?? null,
      target_id: r.target?.id ?? null,
      outcome: r.outcome ?? 'ok',
      details_json: JSON.stringify(r.details ?? {}),
    };
  }

  /** A request authenticated with a key: recorded at most once per key per window. */
  async keyUsed(actor: Actor, now = Date.now()): Promise<void> {
    const key = actor.keyId ?? '';
    if (now - (this.lastKeyUse.get(key) ?? 0) < KEY_USE_WINDOW_MS) return;
    this.lastKeyUse.set(key, now);
    await this.record({ actor, action: 'auth.key_used' });
  }

  /** A request with a missing or bad token: once per address per window. */
  async authFailed(ip: string | null, reason: string, now = Date.now()): Promise<void> {
    const key = ip ?? '';
    if (now - (this.lastAuthFailure.get(key) ?? 0) < AUTH_FAILED_WINDOW_MS) return;
    this.lastAuthFailure.set(key, now);
    if (this.lastAuthFailure.size > 10_000) this.lastAuthFailure.clear();
    await this.record({
      actor: { owner: null, keyId: null, ip },
      action: 'auth.failed',
      outcome: 'denied',
      details: { reason },
    });
  }

  /** Newest first, filtered; `action` may end in `.*` for a family (e.g. `config.*`). */
  async list(q: AuditQuery): Promise<{ items: AuditEntry[]; next_cursor: string | null }> {
    const limit = q.limit ?? 100;
    let query = this.filtered(q);
    if (q.cursor) query = query.where('id', '<', q.cursor);
    const rows = await query
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const page = pageOf(rows, limit);
    return { items: page.items.map(entryView), next_cursor: page.next_cursor };
  }

  /** Every matching entry as JSON lines, oldest first, read page by page. */
  async *exportLines(q: Omit<AuditQuery, 'cursor' | 'limit'>): AsyncGenerator<string> {
    let after = '';
    for (;;) {
      const rows = await this.filtered(q)
        .where('id', '>', after)
        .orderBy('id')
        .limit(EXPORT_PAGE)
        .execute();
      for (const row of rows) yield `${JSON.stringify(entryView(row))}\n`;
      if (rows.length < EXPORT_PAGE) return;
      after = rows[rows.length - 1]!.id;
    }
  }

  private filtered(q: Omit<AuditQuery, 'cursor' | 'limit'>) {
    let query = this.db.selectFrom('audit_log').selectAll();
    if (q.action?.endsWith('.*')) {
      query = query.where('action', 'like', `${q.action.slice(0, -1)}%`);
    } else if (q.action) {
      query = query.where('action', '=', q.action);
    }
    if (q.owner) query = query.where('actor_owner', '=', q.owner);
    if (q.outcome) query = query.where('outcome', '=', q.outcome);
    if (q.since) query = query.where('at', '>=', q.since);
    if (q.until) query = query.where('at', '<', q.until);
    return query;
  }

  /** Retention: removes entries older than `before`. The only way anything leaves. */
  async prune(before: Date): Promise<number> {
    const r = await this.db
      .deleteFrom('audit_log')
      .where('at', '<', before.toISOString())
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

function entryView(row: AuditLogTable): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    actor: { owner: row.actor_owner, key_id: row.actor_key, ip: row.ip },
    action: row.action,
    target: row.target_type === null ? null : { type: row.target_type, id: row.target_id ?? '' },
    outcome: row.outcome,
    details: JSON.parse(row.details_json) as Record<string, unknown>,
  };
}
