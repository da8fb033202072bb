// Kysely over SQLite with its statements prepared once per SQL text (store/statementCache.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { withStatementCache } from '../packages/daemon/src/store/statementCache.js';

describe('the statement cache', () => {
  it('hands out one statement per SQL text, and a fresh one while that one is iterating', () => {
    const db = new SQLite(':memory:');
    const cached = withStatementCache(db);
    const first = cached.prepare('select 1 as one');
    assert.equal(cached.prepare('select 1 as one'), first);
    assert.notEqual(cached.prepare('select 2 as two'), first);

    db.exec('create table t (n integer); insert into t values (1), (2), (3)');
    const text = 'select n from t order by n';
    const iterating = cached.prepare(text);
    const rows = iterating.iterate([]);
    rows.next();
    const other = cached.prepare(text);
    assert.notEqual(other, iterating, 'a busy statement is not handed out again');
    assert.deepEqual(other.all([]), [{ n: 1 }, { n: 2 }, { n: 3 }]);
    rows.return?.();
    assert.equal(cached.prepare(text), iterating, 'once done, the kept one serves again');
    cached.close();
  });

  it('gives Kysely the same answers, through schema changes and many distinct texts', async () => {
    const k = new Kysely<{ t: { n: number } }>({
      dialect: new SqliteDialect({ database: withStatementCache(new SQLite(':memory:')) }),
    });
    await sql`create table t (n integer)`.execute(k);
    for (let i = 0; i < 600; i++) await k.insertInto('t').values({ n: i }).execute();
    // Texts of many lengths (IN lists) past the cache's bound.
    for (let i = 1; i <= 600; i += 7) {
      const wanted = Array.from({ length: i }, (_, j) => j);
      const got = await k.selectFrom('t').select('n').where('n', 'in', wanted).execute();
      assert.equal(got.length, i);
    }
    // The same text before and after a schema change: the kept statement sees the new column.
    const third = () => k.selectFrom('t').selectAll().where('n', '=', 3).executeTakeFirstOrThrow();
    assert.deepEqual(await third(), { n: 3 });
    await sql`alter table t add column m integer default 5`.execute(k);
    assert.deepEqual(await third(), { n: 3, m: 5 });
    await k.destroy();
  });
});
