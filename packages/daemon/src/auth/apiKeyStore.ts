import { ulid } from 'ulid';
import type { Db } from '../store/database.js';
import type { ApiKeysTable } from '../store/schema.js';
import { generateToken, hashToken, tokenPrefix } from './tokens.js';

import type { Role } from '../http/principal.js';

export type { Role };

export interface ApiKeyView {
  id: string;
  name: string;
  owner: string;
  role: Role;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
}

function view(row: ApiKeysTable): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    owner: row.owner_id,
    role: row.role,
    prefix: row.prefix,
    created_at: row.created_at,
    last_used_at: row.last_used_at,
  };
}

/** API keys, stored as SHA-256 hashes; the plaintext exists only in the create response. */
export class ApiKeyStore {
  constructor(private readonly db: Db) {}

  async ensureOwner(owner: string): Promise<void> {
    const found = await this.db
      .selectFrom('owners')
      .select('id')
      .where('id', '=', owner)
      .executeTakeFirst();
    if (!found) {
      await this.db
        .insertInto('owners')
        .values({ id: owner, created_at: new Date().toISOString() })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    }
  }

  async create(input: {
    owner: string;
    name: string;
    role: Role;
  }): Promise<{ key: ApiKeyView; token: string }> {
    await this.ensureOwner(input.owner);
    const token = generateToken();
    const row: ApiKeysTable = {
      id: `key_${ulid().toLowerCase()}`,
      owner_id: input.owner,
      name: input.name,
      role: input.role,
      prefix: tokenPrefix(token),
      token_hash: hashToken(token),
      created_at: new Date().toISOString(),
      last_used_at: null,
      revoked_at: null,
    };
    await this.db.insertInto('api_keys').values(row).execute();
    return { key: view(row), token };
  }

  async findActiveByToken(token: string): Promise<ApiKeyView | undefined> {
    const row = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('token_hash', '=', hashToken(token))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return row ? view(row) : undefined;
  }

  async findActiveById(id: string): Promise<ApiKeyView | undefined> {
    const row = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return row ? view(row) : undefined;
  }

  async touch(id: string): Promise<void> {
    await this.db
      .updateTable('api_keys')
      .set({ last_used_at: new Date().toISOString() })
      .where('id', '=', id)
      .execute();
  }

  /** Admins see every key; other owners see their own. */
  async list(scope: { owner: string; all: boolean }): Promise<ApiKeyView[]> {
    let q = this.db.selectFrom('api_keys').selectAll().where('revoked_at', 'is', null);
    if (!scope.all) q = q.where('owner_id', '=', scope.owner);
    const rows = await q.orderBy('id', 'asc').execute();
    return rows.map(view);
  }

  async revoke(id: string, scope: { owner: string; all: boolean }): Promise<boolean> {
    let q = this.db
      .updateTable('api_keys')
      .set({ revoked_at: new Date().toISOString() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null);
    if (!scope.all) q = q.where('owner_id', '=', scope.owner);
    const result = await q.executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
