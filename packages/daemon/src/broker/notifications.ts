import { monotonicFactory } from 'ulid';
import { PaddockError, type AppNotification, type NotificationPage } from '@paddock/shared';
import type { Db } from '../store/database.js';
import type { AppNotificationsTable } from '../store/schema.js';

const view = (r: AppNotificationsTable): AppNotification => ({
  id: r.id,
  app_id: r.app_id,
  title: r.title,
  body: r.body,
  created_at: r.created_at,
  read: r.read_at !== null,
});

/** How many notifications of one app are kept; older ones go as new ones come. */
export const NOTIFICATIONS_PER_APP = 200;

/** Notifications apps leave for people (`app.notify`); each belongs to one owner. */
export class NotificationStore {
  private readonly nextId = monotonicFactory();

  constructor(private readonly db: Db) {}

  async add(n: { appId: string; owner: string; title: string; body: string }): Promise<string> {
    const id = `ntf${this.nextId().toLowerCase()}`;
    // An app keeps its newest notifications only: one that raises them without end cannot
    // fill the store (they are outside its data quota, being the person's).
    const old = await this.db
      .selectFrom('app_notifications')
      .select('id')
      .where('app_id', '=', n.appId)
      .orderBy('id', 'desc')
      .offset(NOTIFICATIONS_PER_APP - 1)
      .limit(1)
      .executeTakeFirst();
    if (old) {
      await this.db
        .deleteFrom('app_notifications')
        .where('app_id', '=', n.appId)
        .where('id', '<=', old.id)
        .execute();
    }
    await this.db
      .insertInto('app_notifications')
      .values({
        ...{ id, app_id: n.appId, owner_id: n.owner, title: n.title, body: n.body },
        ...{ created_at: new Date().toISOString(), read_at: null },
      })
      .execute();
    return id;
  }

  /** Newest first; the cursor is the last id of the page before. */
  async list(
    owner: string,
    q: { limit?: number; cursor?: string; unread?: boolean },
  ): Promise<NotificationPage> {
    const limit = q.limit ?? 50;
    let query = this.db
      .selectFrom('app_notifications')
      .selectAll()
      .where('owner_id', '=', owner)
      .orderBy('id', 'desc')
      .limit(limit + 1);
    if (q.cursor) query = query.where('id', '<', q.cursor);
    if (q.unread) query = query.where('read_at', 'is', null);
    const rows = await query.execute();
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items: items.map(view), next_cursor: rows.length > limit && last ? last.id : null };
  }

  async markRead(owner: string, id: string): Promise<AppNotification> {
    await this.db
      .updateTable('app_notifications')
      .set({ read_at: new Date().toISOString() })
      .where('id', '=', id)
      .where('owner_id', '=', owner)
      .where('read_at', 'is', null)
      .execute();
    const row = await this.db
      .selectFrom('app_notifications')
      .selectAll()
      .where('id', '=', id)
      .where('owner_id', '=', owner)
      .executeTakeFirst();
    if (!row) throw new PaddockError('not_found', `no notification ${id}`);
    return view(row);
  }

  /** An app's notifications: gone with it (a purge). */
  async purgeApp(appId: string): Promise<void> {
    await this.db.deleteFrom('app_notifications').where('app_id', '=', appId).execute();
  }
}
