import { sql } from 'kysely';
import type { Db } from '../store/database.js';
import type { ProvenanceTable } from '../store/schema.js';

/** One entry of a subject's history (the row without its subject). */
export type ProvenanceEntry = Omit<ProvenanceTable, 'subject'>;

const COLUMNS = ['entry_id', 'kind', 'at', 'task_id', 'actor', 'ref', 'origin'] as const;
/** Rows per insert, well under SQLite's bound variables per statement. */
const CHUNK = 500;

/** The provenance rows: each subject's entries, added once (the same entry id is kept once). */
export class ProvenanceStore {
  constructor(private readonly db: Db) {}

  async add(subject: string, entries: readonly ProvenanceEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db.transaction().execute(async (tx) => {
      for (let i = 0; i < entries.length; i += CHUNK) {
        await tx
          .insertInto('provenance')
          .values(entries.slice(i, i + CHUNK).map((e) => ({ subject, ...e })))
          .onConflict((oc) => oc.columns(['subject', 'entry_id']).doNothing())
          .execute();
      }
    });
  }

  /** Adds every entry of `from` to `to` (those `to` has already are kept as they are). */
  async copy(from: string, to: string): Promise<void> {
    if (from === to) return;
    await this.db
      .insertInto('provenance')
      .columns(['subject', ...COLUMNS])
      .expression(
        this.db
          .selectFrom('provenance')
          .select([sql<string>`${to}`.as('subject'), ...COLUMNS])
          .where('subject', '=', from),
      )
      .onConflict((oc) => oc.columns(['subject', 'entry_id']).doNothing())
      .execute();
  }

  /** Oldest first. */
  async list(subject: string): Promise<ProvenanceEntry[]> {
    return this.db
      .selectFrom('provenance')
      .select(COLUMNS)
      .where('subject', '=', subject)
      .orderBy('at')
      .orderBy('entry_id')
      .execute();
  }

  async remove(subject: string): Promise<void> {
    await this.db.deleteFrom('provenance').where('subject', '=', subject).execute();
  }

  /** The sandbox's app (null for a standalone one); undefined when the owner has no such sandbox. */
  async appOfSandbox(
    sandboxId: string,
    owner?: string,
  ): Promise<{ id: string; app_id: string | null } | undefined> {
    let q = this.db.selectFrom('sandboxes').select(['id', 'app_id']).where('id', '=', sandboxId);
    if (owner !== undefined) q = q.where('owner_id', '=', owner);
    return q.executeTakeFirst();
  }
}
