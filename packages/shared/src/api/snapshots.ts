import { Type, type Static } from 'typebox';
import { Timestamp, strict } from './common.js';

export const SnapshotId = Type.String({
  pattern: '^snp[0-9a-z]{26}$',
  description: 'A snapshot id',
});
const SnapshotName = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: '^[^\\u0000-\\u001f]+$',
});

export const SnapshotStatus = Type.Union(
  [Type.Literal('capturing'), Type.Literal('ready'), Type.Literal('failed')],
  { description: 'ready only once every byte is stored; a capture that failed says so' },
);
export type SnapshotStatus = Static<typeof SnapshotStatus>;

export const SnapshotSource = Type.Union([Type.Literal('capture'), Type.Literal('import')]);
export type SnapshotSource = Static<typeof SnapshotSource>;

export const SnapshotSchema = Type.Object(
  {
    id: SnapshotId,
    name: Type.String(),
    status: SnapshotStatus,
    /** Why the capture or import failed. */
    error: Type.Union([Type.String(), Type.Null()]),
    source: SnapshotSource,
    app_id: Type.Union([Type.String(), Type.Null()], {
      description:
        'The app whose workspace was captured; null for imports and standalone sandboxes',
    }),
    sandbox_id: Type.Union([Type.String(), Type.Null()]),
    files: Type.Integer({ description: 'Regular files in the snapshot' }),
    size_bytes: Type.Integer({ description: 'Bytes of file content the snapshot describes' }),
    new_bytes: Type.Integer({
      description: 'Bytes this snapshot added to the content store (the rest was already stored)',
    }),
    consistent: Type.Boolean({
      description: "True when the sandbox's processes were frozen (or stopped) during the capture",
    }),
    skipped: Type.Array(Type.String(), {
      description: 'Sockets, FIFOs and device nodes found and left out (the first 100)',
    }),
    duration_ms: Type.Union([Type.Integer(), Type.Null()], {
      description: 'How long the capture or import took in the daemon; null until it ends',
    }),
    frozen_ms: Type.Union([Type.Integer(), Type.Null()], {
      description:
        "How long the sandbox's processes were held frozen while its files were read; null when nothing ran (a stopped sandbox, an import)",
    }),
    created_at: Timestamp,
    ready_at: Type.Union([Timestamp, Type.Null()]),
  },
  { $id: 'Snapshot' },
);
export type Snapshot = Static<typeof SnapshotSchema>;

export const SnapshotPage = Type.Object({
  items: Type.Array(SnapshotSchema),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});

export const CreateSnapshotBody = Type.Object({ name: SnapshotName }, strict);
export type CreateSnapshotBody = Static<typeof CreateSnapshotBody>;

export const SnapshotIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) }, strict);

export const ListSnapshotsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(SnapshotId),
  },
  strict,
);

export const ImportSnapshotQuery = Type.Object({ name: SnapshotName }, strict);

export const RestoredSnapshot = Type.Object({
  snapshot_id: Type.String(),
  sandbox_id: Type.String(),
  files: Type.Integer({ description: 'Files written' }),
  bytes: Type.Integer(),
});

/** The archive types an import accepts; gzip is recognised by its bytes, not its label. */
export const SNAPSHOT_ARCHIVE_TYPES = [
  'application/x-tar',
  'application/gzip',
  'application/x-gzip',
  'application/octet-stream',
];
