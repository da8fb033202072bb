import { Type, type Static } from 'typebox';
import { Timestamp, strict } from './common.js';
import { SandboxDetailSchema } from './sandboxes.js';
import { AppImportSchema, AppSource } from './projectImport.js';
import { SnapshotId } from './snapshots.js';

export const AppId = Type.String({ pattern: '^app[0-9a-z]{26}$', description: 'An app id' });
const AppName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\u0000-\\u001f]+$' });

export const PresetSchema = Type.Object(
  {
    name: Type.String(),
    title: Type.String(),
    description: Type.String(),
    web: Type.Boolean({ description: 'False for worker-only presets (no preview)' }),
    dependencies: Type.Enum(['cached', 'not_installed', 'none'], {
      description:
        "The preset's dependencies in the shared cache: `cached` (a new app starts in seconds), " +
        '`not_installed` (the first app installs them, which can take a minute) or `none` (the ' +
        'preset has none)',
    }),
  },
  { $id: 'Preset' },
);
export type Preset = Static<typeof PresetSchema>;
export const PresetList = Type.Object({ items: Type.Array(PresetSchema) });
export type PresetList = Static<typeof PresetList>;

export const AppSchema = Type.Object(
  {
    id: AppId,
    name: Type.String(),
    preset: Type.Union([Type.String(), Type.Null()], {
      description:
        'The preset whose shared dependency cache the app uses; null for an imported project that runs by its own sandbox.yaml',
    }),
    public: Type.Boolean({ description: 'A public preview needs no token' }),
    created_at: Timestamp,
    updated_at: Timestamp,
    sandbox: Type.Union([SandboxDetailSchema, Type.Null()], {
      description: "The app's current sandbox; its workspace is the app's",
    }),
    import: Type.Union([AppImportSchema, Type.Null()], {
      description:
        'Where an imported app came from and how it was found to run; null for a preset app',
    }),
  },
  { $id: 'App' },
);
export type App = Static<typeof AppSchema>;

export const AppPage = Type.Object({
  items: Type.Array(AppSchema),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});
export type AppPage = Static<typeof AppPage>;

export const CreateAppBody = Type.Object(
  {
    name: AppName,
    preset: Type.Optional(
      Type.Union([Type.String(), Type.Null()], {
        description:
          'A preset from GET /v1/presets, whose template the workspace starts as. Null (the default with `source` or `from_snapshot`): the project is brought in as it is and runs by its sandbox.yaml, proposed by detection when it has none',
      }),
    ),
    source: Type.Optional(AppSource),
    from_snapshot: Type.Optional(SnapshotId),
    review: Type.Optional(
      Type.Boolean({
        description:
          'For an import: hold the processes until POST /v1/apps/{id}/import/confirm, so the proposed sandbox.yaml can be reviewed first',
      }),
    ),
  },
  strict,
);
export type CreateAppBody = Static<typeof CreateAppBody>;

export const PatchAppBody = Type.Object(
  { name: Type.Optional(AppName), public: Type.Optional(Type.Boolean()) },
  { ...strict, minProperties: 1 },
);
export type PatchAppBody = Static<typeof PatchAppBody>;

export const AppIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) }, strict);

export const ListAppsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(AppId),
  },
  strict,
);

export const DeleteAppQuery = Type.Object(
  {
    purge: Type.Optional(
      Type.Boolean({
        description:
          "true: also delete the app's sandbox and workspace. Otherwise the sandbox is stopped and kept",
      }),
    ),
  },
  strict,
);

/** A commit of the app's workspace, as the API takes one: 7 to 40 lowercase hex digits. */
const CheckpointSha = Type.String({
  pattern: '^[0-9a-f]{7,40}$',
  description: 'A checkpoint commit',
});

export const CheckpointParams = Type.Object(
  { id: Type.String({ maxLength: 64 }), sha: CheckpointSha },
  strict,
);

export const CheckpointKind = Type.Enum(['task', 'baseline', 'restore', 'other'], {
  description:
    "`task`: a task's checkpoint (one Paddock recorded); `baseline`: uncommitted work Paddock " +
    'committed before a task or a restore; `restore`: a restore to an earlier checkpoint; ' +
    '`other`: any other commit (made in the workspace itself)',
});
export type CheckpointKind = Static<typeof CheckpointKind>;

export const CheckpointSchema = Type.Object(
  {
    sha: Type.String({ description: 'The commit, 40 hex digits' }),
    title: Type.String({ description: "The commit message's first line (at most 500 characters)" }),
    kind: CheckpointKind,
    task_id: Type.Union([Type.String(), Type.Null()], {
      description: 'The task whose checkpoint this is (kind `task`), else null',
    }),
    restored: Type.Union([Type.String(), Type.Null()], {
      description: 'For kind `restore`: the checkpoint it returned the workspace to, else null',
    }),
    created_at: Timestamp,
    head: Type.Boolean({ description: "The workspace's current commit (git HEAD)" }),
    changes: Type.Object(
      {
        files: Type.Integer({ minimum: 0 }),
        added: Type.Integer({ minimum: 0, description: 'Lines added (binary files count none)' }),
        removed: Type.Integer({ minimum: 0 }),
      },
      { description: 'What the commit changed, against its first parent' },
    ),
  },
  { $id: 'Checkpoint' },
);
export type Checkpoint = Static<typeof CheckpointSchema>;

export const CheckpointPage = Type.Object({
  items: Type.Array(CheckpointSchema),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});
export type CheckpointPage = Static<typeof CheckpointPage>;

export const ListCheckpointsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
    cursor: Type.Optional(
      Type.String({ pattern: '^[0-9a-f]{40}$', description: "A page's `next_cursor`" }),
    ),
  },
  strict,
);

export const ForkCheckpointBody = Type.Object({ name: Type.Optional(AppName) }, strict);
export type ForkCheckpointBody = Static<typeof ForkCheckpointBody>;

export const RestoredCheckpoint = Type.Object({
  restored: Type.String({ description: 'The checkpoint the workspace now matches' }),
  checkpoint: Type.String({ description: 'The new commit that made it so (history is kept)' }),
});

export const RestoreAppBody = Type.Object(
  {
    snapshot_id: SnapshotId,
    confirm: Type.Boolean({
      description: "Must be true: the app's workspace is replaced by the snapshot",
    }),
  },
  strict,
);
export type RestoreAppBody = Static<typeof RestoreAppBody>;

export const ForkAppBody = Type.Object(
  {
    snapshot_id: SnapshotId,
    name: Type.Optional(AppName),
  },
  strict,
);
export type ForkAppBody = Static<typeof ForkAppBody>;
