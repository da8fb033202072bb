import { monotonicFactory } from 'ulid';
import type { Severity } from '@paddock/shared';
import type { Db } from '../store/database.js';
import type { EventsTable } from '../store/schema.js';

export interface NewEvent {
  owner: string;
  sandboxId: string | null;
  type: string;
  severity?: Severity;
  message: string;
  /** Flags, ids, counts and reasons only: never a secret and never raw command output. */
  payload?: Record<string, unknown>;
}

export interface EventView {
  id: string;
  sandbox_id: string | null;
  type: string;
  severity: Severity;
  message: string;
  payload: Record<string, unknown>;
  created_at: string;
}

/** A stored row as the API shows it. */
export function eventViewOf(r: EventsTable): EventView {
  return {
    id: r.id,
    sandbox_id: r.sandbox_id,
    type: r.type,
    severity: r.severity,
    message: r.message,
    payload: JSON.parse(r.payload_json) as Record<string, unknown>,
    created_at: r.created_at,
  };
}

/** The append-only event log. There is no update or delete path, by design. */
export class EventLog {
  private readonly nextId = monotonicFactory();
  private readonly listeners = new Set<(e: EventView & { owner: string }) => void>();

  constructor(private readonly db: Db) {}

  async append(e: NewEvent): Promise<EventView> {
    const now = Date.now();
    const row = {
      id: this.nextId(now),
      owner_id: e.owner,
      sandbox_id: e.sandboxId,
      type: e.type,
      severity: e.severity ?? 'info',
      message: e.message,
      payload_json: JSON.stringify(e.payload ?? {}),
      created_at: new Date(now).toISOString(),
    };
    await this.db.insertInto('events').values(row).execute();
    const out: EventView = {
      id: row.id,
      sandbox_id: row.sandbox_id,
      type: row.type,
      severity: row.severity,
      message: row.message,
      payload: e.payload ?? {},
      created_at: row.created_at,
    };
    for (const l of this.listeners) l({ ...out, owner: e.owner });
    return out;
  }

  /** Newest first; `before` is the cursor (an event id) from the previous page. */
  async listForSandbox(
    owner: string,
    sandboxId: string,
    page: { before?: string; limit: number },
  ): Promise<{ items: EventView[]; next_cursor: string | null }> {
    let q = this.db
      .selectFrom('events')
      .selectAll()
      .where('owner_id', '=', owner)
      .where('sandbox_id', '=', sandboxId);
    if (page.before) q = q.where('id', '<', page.before);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(page.limit + 1)
      .execute();
    const more = rows.length > page.limit;
    const items = rows.slice(0, page.limit).map(eventViewOf);
    return { items, next_cursor: more ? (items[items.length - 1]?.id ?? null) : null };
  }

  subscribe(listener: (e: EventView & { owner: string }) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
