import { Type, type Static } from 'typebox';
import { GUEST_DATA_ROOT } from '../agent/protocol.js';
import { Timestamp, strict } from './common.js';

/** Most filestores one sandbox may mount (or name in its token) at once. */
export const FILESTORE_MOUNTS_MAX = 16;

export const FilestoreId = Type.String({
  pattern: '^fst[0-9a-z]{26}$',
  description: 'A filestore id',
});

export const FilestoreName = Type.String({
  pattern: '^[a-z0-9][a-z0-9_-]{0,62}$',
  description: 'Unique per owner: lowercase letters, digits, `-` and `_`',
});

/** `local` (a directory under the data dir) or the name of an admin-defined S3 backend. */
export const FilestoreBackendName = Type.String({
  pattern: '^[a-z0-9][a-z0-9_-]{0,62}$',
  description: '`local`, or the name of a backend from GET /v1/filestore-backends',
});

/** A filestore file's path: relative, `/`-separated, no `.` or `..` segment. */
export const FilestoreFilePath = Type.String({ minLength: 1, maxLength: 1024 });

/** A data token's operations on one filestore (seed 004's `ops`). */
export const FilestoreOp = Type.Union([Type.Literal('read'), Type.Literal('write')]);
export type FilestoreOp = Static<typeof FilestoreOp>;

export const FilestoreSchema = Type.Object(
  {
    id: FilestoreId,
    name: FilestoreName,
    backend: FilestoreBackendName,
    /** What the store held when last measured: after each API write and each sync or stop. */
    bytes: Type.Integer(),
    files: Type.Integer(),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Filestore' },
);
export type Filestore = Static<typeof FilestoreSchema>;

export const FilestoreListSchema = Type.Object(
  { items: Type.Array(FilestoreSchema) },
  { $id: 'FilestoreList' },
);

export const CreateFilestoreBody = Type.Object(
  { name: FilestoreName, backend: Type.Optional(FilestoreBackendName) },
  strict,
);
export type CreateFilestoreBody = Static<typeof CreateFilestoreBody>;

/** A filestore by id or by name. */
export const FilestoreParams = Type.Object({ id: Type.String({ maxLength: 64 }) }, strict);

export const FilestoreFileSchema = Type.Object(
  { path: Type.String(), size: Type.Integer(), modified_at: Timestamp },
  { $id: 'FilestoreFile' },
);
export type FilestoreFile = Static<typeof FilestoreFileSchema>;

export const FilestoreFileListSchema = Type.Object(
  { items: Type.Array(FilestoreFileSchema), next_cursor: Type.Union([Type.String(), Type.Null()]) },
  { $id: 'FilestoreFileList' },
);

export const FilestorePathQuery = Type.Object({ path: FilestoreFilePath }, strict);

export const FilestoreListQuery = Type.Object(
  {
    prefix: Type.Optional(Type.String({ maxLength: 1024, description: 'A directory path' })),
    cursor: Type.Optional(Type.String({ maxLength: 1024 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  strict,
);

export const FilestoreMoveBody = Type.Object(
  { from: FilestoreFilePath, to: FilestoreFilePath },
  strict,
);

/**
 * A filestore a new sandbox asks for: shown at `path` (below /data) read-only (`ro`, the
 * kernel's) or read-write, and named in the sandbox's data token with the same operations.
 * Without `path` it is reachable only through the token (`http://paddock.internal`).
 */
export const FilestoreMountRequest = Type.Object(
  {
    filestore: Type.String({ maxLength: 64, description: 'Id or name' }),
    path: Type.Optional(
      Type.String({
        pattern: `^${GUEST_DATA_ROOT}(/[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}){1,4}$`,
        description: `An absolute path below ${GUEST_DATA_ROOT}, e.g. ${GUEST_DATA_ROOT}/inputs`,
      }),
    ),
    mode: Type.Optional(Type.Union([Type.Literal('ro'), Type.Literal('rw')], { default: 'ro' })),
  },
  strict,
);
export type FilestoreMountRequest = Static<typeof FilestoreMountRequest>;

export const FilestoreMountsField = Type.Array(FilestoreMountRequest, {
  maxItems: FILESTORE_MOUNTS_MAX,
});

/** One filestore of a sandbox, as it was asked for and as it was last synced. */
export const SandboxFilestoreSchema = Type.Object(
  {
    filestore_id: FilestoreId,
    name: FilestoreName,
    path: Type.Union([Type.String(), Type.Null()]),
    mode: Type.Union([Type.Literal('ro'), Type.Literal('rw')]),
    /** `bind`: the store's own directory (local); `sync`: a copy synced at start, stop and on asking (S3). */
    kind: Type.Union([Type.Literal('bind'), Type.Literal('sync'), Type.Literal('token')]),
    synced_at: Type.Union([Timestamp, Type.Null()]),
  },
  { $id: 'SandboxFilestore' },
);
export type SandboxFilestore = Static<typeof SandboxFilestoreSchema>;

export const SandboxFilestoreListSchema = Type.Object(
  { items: Type.Array(SandboxFilestoreSchema) },
  { $id: 'SandboxFilestoreList' },
);

export const FilestoreSyncResultSchema = Type.Object(
  {
    items: Type.Array(
      Type.Object({
        filestore_id: FilestoreId,
        uploaded: Type.Integer(),
        deleted: Type.Integer(),
        bytes: Type.Integer(),
      }),
    ),
  },
  { $id: 'FilestoreSyncResult' },
);

/** An admin-defined S3-compatible backend; its secret key is sealed and never returned. */
export const FilestoreBackendSchema = Type.Object(
  {
    name: FilestoreBackendName,
    kind: Type.Literal('s3'),
    endpoint: Type.String(),
    region: Type.String(),
    bucket: Type.String(),
    prefix: Type.String(),
    force_path_style: Type.Boolean(),
    created_at: Timestamp,
  },
  { $id: 'FilestoreBackend' },
);
export type FilestoreBackendView = Static<typeof FilestoreBackendSchema>;

export const FilestoreBackendListSchema = Type.Object(
  { items: Type.Array(FilestoreBackendSchema) },
  { $id: 'FilestoreBackendList' },
);

export const CreateFilestoreBackendBody = Type.Object(
  {
    name: FilestoreBackendName,
    kind: Type.Literal('s3'),
    endpoint: Type.String({ pattern: '^https?://[^\\s/]+(/[^\\s]*)?$', maxLength: 512 }),
    region: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    bucket: Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$' }),
    prefix: Type.Optional(Type.String({ pattern: '^([A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*)?$' })),
    force_path_style: Type.Optional(Type.Boolean()),
    access_key_id: Type.String({ minLength: 1, maxLength: 256 }),
    secret_access_key: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  strict,
);
export type CreateFilestoreBackendBody = Static<typeof CreateFilestoreBackendBody>;

export const FilestoreBackendParams = Type.Object({ name: FilestoreBackendName }, strict);
