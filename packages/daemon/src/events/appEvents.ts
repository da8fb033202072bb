import { sql } from 'kysely';
import type { Db } from '../store/database.js';
import { pageOf } from '../store/pages.js';
import { eventViewOf, type EventLog, type EventView } from './eventLog.js';

export interface AppEventFilter {
  owner: string;
  appId: string;
  /** Exact, or a prefix ending in `.*`. */
  type?: string;
}

/**
 * An app's events across every sandbox it has had. An app names only its current sandbox, but
 * each sandbox row keeps the app it was made for (`sandboxes.app_id`, also after a delete), so
 * past sandboxes count too. Events with no sandbox count when their payload names the app.
 */
export class AppEvents {
  constructor(private readonly o: { db: Db; events: EventLog }) {}

  /** Newest first; `cursor` is the last id of the previous page. */
  async list(
    f: AppEventFilter,
    page: { cursor?: string; limit: number },
  ): Promise<{ items: EventView[]; next_cursor: string | null }> {
    let q = this.query(f);
    if (page.cursor) q = q.where('id', '<', page.cursor);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(page.limit + 1)
      .execute();
    const { items, next_cursor } = pageOf(rows, page.limit);
    return { items: items.map(eventViewOf), next_cursor };
  }

  /** The ones after `afterId`, oldest first (what a reconnecting follower missed). */
  async since(f: AppEventFilter, afterId: string, limit: number): Promise<EventView[]> {
    const rows = await this.query(f)
      .where('id', '>', afterId)
      .orderBy('id', 'asc')
      .limit(limit)
      .execute();
    return rows.map(eventViewOf);
  }

  /**
   * Calls `send` with each new event of the app, in order. Membership of a sandbox is looked up
   * once per sandbox (a wake may make a new one while following). Returns the unsubscribe.
   */
  follow(f: AppEventFilter, send: (e: EventView) => void, first?: Promise<void>): () => void {
    const ofApp = new Map<string, boolean>();
    // One chain, so lookups never reorder events, and nothing is sent before `first` is.
    let chain: Promise<unknown> = first ?? Promise.resolve();
    const belongs = async (e: EventView): Promise<boolean> => {
      if (e.sandbox_id === null) return e.payload.app_id === f.appId;
      let known = ofApp.get(e.sandbox_id);
      if (known === undefined) {
        const row = await this.o.db
          .selectFrom('sandboxes')
          .select('app_id')
          .where('id', '=', e.sandbox_id)
          .where('owner_id', '=', f.owner)
          .executeTakeFirst();
        known = row?.app_id === f.appId;
        ofApp.set(e.sandbox_id, known);
      }
      return known;
    };
    return this.o.events.subscribe((e) => {
      if (e.owner !== f.owner || !typeMatches(f.type, e.type)) return;
      const { owner: _owner, ...view } = e;
      chain = chain
        .then(async () => {
          if (await belongs(view)) send(view);
        })
        .catch(() => undefined);
    });
  }

  private query(f: AppEventFilter) {
    let q = this.o.db
      .selectFrom('events')
      .selectAll()
      .where('owner_id', '=', f.owner)
      .where((eb) =>
        eb.or([
          eb(
            'sandbox_id',
            'in',
            eb
              .selectFrom('sandboxes')
              .select('id')
              .where('app_id', '=', f.appId)
              .where('owner_id', '=', f.owner),
          ),
          eb.and([
            eb('sandbox_id', 'is', null),
            eb(sql<string>`json_extract(payload_json, '$.app_id')`, '=', f.appId),
          ]),
        ]),
      );
    if (f.type?.endsWith('.*')) {
      const prefix = f.type.slice(0, -1);
      // substr, not LIKE: `_` in a type is a LIKE wildcard.
      q = q.where(sql<string>`substr(type, 1, ${prefix.length})`, '=', prefix);
    } else if (f.type) {
      q = q.where('type', '=', f.type);
    }
    return q;
  }
}

function typeMatches(filter: string | undefined, type: string): boolean {
  if (!filter) return true;
  return filter.endsWith('.*') ? type.startsWith(filter.slice(0, -1)) : type === filter;
}
