import { Type, type Static } from 'typebox';
import { Timestamp, strict } from './common.js';
import { SandboxDetailSchema } from './sandboxes.js';
import { SnapshotId } from './snapshots.js';

export const AppId = Type.String({ pattern: '^app[0-9a-z]{26}$', description: 'An app id' });
const AppName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\u0000-\\u001f]+$' });

export const PresetSchema = Type.Object(
  {
    name: Type.String(),
    title: Type.String(),
    description: Type.String(),
    web: Type.Boolean({ description: 'False for worker-only presets (no preview)' }),
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
    preset: Type.String(),
    public: Type.Boolean({ description: 'A public preview needs no token' }),
    created_at: Timestamp,
    updated_at: Timestamp,
    sandbox: Type.Union([SandboxDetailSchema, Type.Null()], {
      description: "The app's current sandbox; its workspace is the app's",
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

export const CreateAppBody = Type.Object({ name: AppName, preset: Type.String() }, strict);
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

export const CheckpointParams = Type.Object(
  {
    id: Type.String({ maxLength: 64 }),
    sha: Type.String({ pattern: '^[0-9a-f]{7,40}$', description: 'A checkpoint commit' }),
  },
  strict,
);

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
