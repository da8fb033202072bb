import crypto from 'node:crypto';
import { monotonicFactory } from 'ulid';
import type { Filestore, SandboxFilestore } from '@paddock/shared';
import type { Db } from '../store/database.js';
import type { FilestoresTable, SandboxFilestoresTable } from '../store/schema.js';

export type FilestoreRow = FilestoresTable;
export type SandboxFilestoreRow = SandboxFilestoresTable;

const FILESTORE_ID = /^fst[0-9a-z]{26}$/;

/** A filestore's place in its backend: grouped by owner (hashed: owner ids are free text). */
function locationKey(owner: string, id: string): string {
  const ownerKey = crypto.createHash('sha256').update(owner).digest('hex').slice(0, 16);
  return `o${ownerKey}/${id}`;
}

export function filestoreView(row: FilestoreRow): Filestore {
  return {
    id: row.id,
    name: row.name,
    backend: row.backend,
    bytes: row.bytes,
    files: row.files,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** Filestores and which sandboxes have them. Every read is scoped to an owner. */
export class FilestoreStore {
  private readonly nextId = monotonicFactory();

  constructor(private readonly db: Db) {}

  async insert(owner: string, name: string, backend: string): Promise<FilestoreRow | null> {
    const id = `fst${this.nextId().toLowerCase()}`;
    const now = new Date().toISOString();
    const row: FilestoreRow = {
      id,
      owner_id: owner,
      name,
      backend,
      location_key: locationKey(owner, id),
      bytes: 0,
      files: 0,
      created_at: now,
      updated_at: now,
    };
    const inserted = await this.db
      .insertInto('filestores')
      .values(row)
      .onConflict((oc) => oc.columns(['owner_id', 'name']).doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1 ? row : null;
  }

  /** By id or by name, only the owner's. */
  async find(owner: string, idOrName: string): Promise<FilestoreRow | undefined> {
    const column = FILESTORE_ID.test(idOrName) ? 'id' : 'name';
    return this.db
      .selectFrom('filestores')
      .selectAll()
      .where('owner_id', '=', owner)
      .where(column, '=', idOrName)
      .executeTakeFirst();
  }

  getById(id: string): Promise<FilestoreRow | undefined> {
    return this.db.selectFrom('filestores').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(owner: string): Promise<FilestoreRow[]> {
    return this.db
      .selectFrom('filestores')
      .selectAll()
      .where('owner_id', '=', owner)
      .orderBy('name')
      .execute();
  }

  /** Bytes all of the owner's filestores held when last measured. */
  async ownerBytes(owner: string): Promise<number> {
    const row = await this.db
      .selectFrom('filestores')
      .select((eb) => eb.fn.sum<number>('bytes').as('bytes'))
      .where('owner_id', '=', owner)
      .executeTakeFirst();
    return Number(row?.bytes ?? 0);
  }

  async usage(id: string, usage: { bytes: number; files: number }): Promise<void> {
    await this.db
      .updateTable('filestores')
      .set({ ...usage, updated_at: new Date().toISOString() })
      .where('id', '=', id)
      .execute();
  }

  /** Adds to the measured usage after one write or delete (a full measure comes at halts). */
  async addUsage(id: string, bytes: number, files: number): Promise<void> {
    await this.db
      .updateTable('filestores')
      .set((eb) => ({
        bytes: eb('bytes', '+', bytes),
        files: eb('files', '+', files),
        updated_at: new Date().toISOString(),
      }))
      .where('id', '=', id)
      .execute();
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('filestores').where('id', '=', id).execute();
  }

  countOnBackend(backend: string): Promise<number> {
    return this.db
      .selectFrom('filestores')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('backend', '=', backend)
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n));
  }

  /** Sandboxes not deleted that have the filestore. */
  async holders(filestoreId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('sandbox_filestores as m')
      .innerJoin('sandboxes as s', 's.id', 'm.sandbox_id')
      .select('m.sandbox_id')
      .where('m.filestore_id', '=', filestoreId)
      .where('s.status', '!=', 'deleted')
      .execute();
    return rows.map((r) => r.sandbox_id);
  }

  async bind(rows: SandboxFilestoreRow[]): Promise<void> {
    if (rows.length > 0) await this.db.insertInto('sandbox_filestores').values(rows).execute();
  }

  /** The sandbox's filestores become `rows` (a manifest changed them; the sandbox is stopped). */
  async replaceMounts(sandboxId: string, rows: SandboxFilestoreRow[]): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('sandbox_filestores').where('sandbox_id', '=', sandboxId).execute();
      if (rows.length > 0) await tx.insertInto('sandbox_filestores').values(rows).execute();
    });
  }

  mountsOf(sandboxId: string): Promise<SandboxFilestoreRow[]> {
    return this.db
      .selectFrom('sandbox_filestores')
      .selectAll()
      .where('sandbox_id', '=', sandboxId)
      .orderBy('filestore_id')
      .execute();
  }

  /** A sandbox's filestores with their names, for GET /v1/sandboxes/{id}/filestores. */
  async mountViews(sandboxId: string, copied: (backend: string) => boolean) {
    const rows = await this.db
      .selectFrom('sandbox_filestores as m')
      .innerJoin('filestores as f', 'f.id', 'm.filestore_id')
      .select(['m.filestore_id', 'f.name', 'f.backend', 'm.path', 'm.mode', 'm.synced_at'])
      .where('m.sandbox_id', '=', sandboxId)
      .orderBy('f.name')
      .execute();
    return rows.map((r): SandboxFilestore => ({
      filestore_id: r.filestore_id,
      name: r.name,
      path: r.path,
      mode: r.mode,
      kind: r.path === null ? 'token' : copied(r.backend) ? 'sync' : 'bind',
      synced_at: r.synced_at,
    }));
  }

  async setCopy(
    sandboxId: string,
    filestoreId: string,
    copy: { copy_dir: string | null; synced_at?: string },
  ): Promise<void> {
    await this.db
      .updateTable('sandbox_filestores')
      .set(copy)
      .where('sandbox_id', '=', sandboxId)
      .where('filestore_id', '=', filestoreId)
      .execute();
  }
}
