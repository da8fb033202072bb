import path from 'node:path';
import {
  LocalBackend,
  S3Backend,
  type FilestoreBackend,
  type FilestoreLocation,
} from '@paddock/filestores';
import {
  PaddockError,
  type CreateFilestoreBackendBody,
  type FilestoreBackendView,
} from '@paddock/shared';
import { instancePlace, type SecretsService } from '../secrets/index.js';
import type { Db } from '../store/database.js';

export const LOCAL_BACKEND = 'local';
const SECRET_PREFIX = 'filestore-backend:';

/** What a backend's row keeps in the clear; the key pair is sealed beside it. */
type BackendMeta = Omit<FilestoreBackendView, 'name'>;

interface SealedKeys {
  access_key_id: string;
  secret_access_key: string;
}

/**
 * The backends filestores live on: the local directory under the data dir, always there, and
 * S3-compatible ones an admin adds. An S3 backend's key pair is sealed with the secrets master
 * key in `instance_secrets` (so a key rotation reseals it with the rest), opened only here to
 * make the one client the daemon uses; it never leaves the daemon.
 */
export class FilestoreBackends {
  readonly local: LocalBackend;
  private readonly clients = new Map<string, S3Backend>();

  constructor(private readonly o: { db: Db; secrets: SecretsService; dataDir: string }) {
    this.local = new LocalBackend(path.join(o.dataDir, 'filestores', 'local'));
  }

  /** Whether a sandbox sees the backend's files through a synced copy (not a bind). */
  isCopied(name: string): boolean {
    return name !== LOCAL_BACKEND;
  }

  /** The host directory of a local filestore, bound into sandboxes. */
  localDirectory(loc: FilestoreLocation): Promise<string> {
    return this.local.directoryOf(loc);
  }

  async get(name: string): Promise<FilestoreBackend> {
    if (name === LOCAL_BACKEND) return this.local;
    const open = this.clients.get(name);
    if (open) return open;
    const row = await this.row(name);
    if (!row) throw new PaddockError('not_found', `no filestore backend ${name}`);
    const meta = JSON.parse(row.meta_json) as BackendMeta;
    const keys = JSON.parse(this.o.secrets.open(row.sealed, this.place(name))) as SealedKeys;
    const client = new S3Backend({
      endpoint: meta.endpoint,
      region: meta.region,
      bucket: meta.bucket,
      prefix: meta.prefix,
      forcePathStyle: meta.force_path_style,
      credentials: { accessKeyId: keys.access_key_id, secretAccessKey: keys.secret_access_key },
    });
    this.clients.set(name, client);
    return client;
  }

  async create(body: CreateFilestoreBackendBody): Promise<FilestoreBackendView> {
    if (body.name === LOCAL_BACKEND) {
      throw new PaddockError('already_exists', 'the local backend is built in');
    }
    if (await this.row(body.name)) {
      throw new PaddockError('already_exists', `a filestore backend ${body.name} exists`);
    }
    const meta: BackendMeta = {
      kind: 's3',
      endpoint: body.endpoint.replace(/\/$/, ''),
      region: body.region ?? 'us-east-1',
      bucket: body.bucket,
      prefix: body.prefix ?? '',
      force_path_style: body.force_path_style ?? true,
      created_at: new Date().toISOString(),
    };
    const keys: SealedKeys = {
      access_key_id: body.access_key_id,
      secret_access_key: body.secret_access_key,
    };
    await this.o.db
      .insertInto('instance_secrets')
      .values({
        name: SECRET_PREFIX + body.name,
        sealed: this.o.secrets.seal(JSON.stringify(keys), this.place(body.name)),
        meta_json: JSON.stringify(meta),
        updated_at: meta.created_at,
      })
      .execute();
    return { name: body.name, ...meta };
  }

  async list(): Promise<FilestoreBackendView[]> {
    const rows = await this.o.db
      .selectFrom('instance_secrets')
      .select(['name', 'meta_json'])
      .where('name', 'like', `${SECRET_PREFIX}%`)
      .orderBy('name')
      .execute();
    return rows.map((r) => ({
      name: r.name.slice(SECRET_PREFIX.length),
      ...(JSON.parse(r.meta_json) as BackendMeta),
    }));
  }

  async remove(name: string): Promise<void> {
    if (!(await this.row(name)))
      throw new PaddockError('not_found', `no filestore backend ${name}`);
    await this.o.db
      .deleteFrom('instance_secrets')
      .where('name', '=', SECRET_PREFIX + name)
      .execute();
    this.clients.get(name)?.close();
    this.clients.delete(name);
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
    this.local.close();
  }

  private row(name: string) {
    return this.o.db
      .selectFrom('instance_secrets')
      .selectAll()
      .where('name', '=', SECRET_PREFIX + name)
      .executeTakeFirst();
  }

  private place(name: string): string {
    return instancePlace(SECRET_PREFIX + name);
  }
}
