import type SQLite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Distinct SQL texts kept prepared (queries with IN lists of many lengths make new ones). */
const MAX_STATEMENTS = 500;

/**
 * The SQLite database as Kysely's dialect sees it, with its prepared statements reused: Kysely
 * prepares every query anew, which costs more than running most of ours. One statement per SQL
 * text, the least recently used dropped past `MAX_STATEMENTS`; a statement still iterating (a
 * streamed select) is never handed out twice, a fresh one is prepared instead.
 */
export function withStatementCache(db: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      const kept = cache.get(sql);
      if (kept && !kept.busy) {
        // Map order is the recency order: move it to the end.
        cache.delete(sql);
        cache.set(sql, kept);
        return kept;
      }
      const fresh = db.prepare(sql);
      if (!kept) {
        cache.set(sql, fresh);
        if (cache.size > MAX_STATEMENTS) cache.delete(cache.keys().next().value!);
      }
      return fresh;
    },
  };
}
