import { Type, type Static } from 'typebox';
import { MIN_LIMITS } from '../limits.js';
import { FilestoreMountsField } from './filestores.js';
import { EnvMap, Metadata, SandboxId, Timestamp, strict } from './common.js';
import { ManifestStateSchema, PreviewSchema, ProcessSchema } from './processes.js';

export const SandboxStatus = Type.Enum(['starting', 'running', 'stopping', 'stopped', 'failed']);
export type SandboxStatus = Static<typeof SandboxStatus>;

export const LimitsSchema = Type.Object(
  {
    memory_mb: Type.Integer({ minimum: MIN_LIMITS.memory_mb, description: 'Memory limit in MiB' }),
    pids: Type.Integer({
      minimum: MIN_LIMITS.pids,
      description: 'Most processes and threads at once',
    }),
    cpus: Type.Number({ minimum: MIN_LIMITS.cpus, description: 'CPU cores (fractions allowed)' }),
    disk_mb: Type.Integer({
      minimum: MIN_LIMITS.disk_mb,
      description: 'Workspace disk size in MiB',
    }),
  },
  strict,
);

export const CreateSandboxBody = Type.Object(
  {
    limits: Type.Optional(Type.Partial(LimitsSchema, strict)),
    env: Type.Optional(EnvMap),
    metadata: Type.Optional(Metadata),
    from_snapshot: Type.Optional(
      Type.String({
        pattern: '^snp[0-9a-z]{26}$',
        description: 'Start the workspace from this snapshot instead of empty',
      }),
    ),
    filestores: Type.Optional(FilestoreMountsField),
  },
  strict,
);
export type CreateSandboxBody = Static<typeof CreateSandboxBody>;

export const SandboxSchema = Type.Object(
  {
    id: SandboxId,
    status: SandboxStatus,
    limits: LimitsSchema,
    /** Names only: values are never returned, they may be sensitive to the caller. */
    env_keys: Type.Array(Type.String()),
    metadata: Metadata,
    created_at: Timestamp,
    updated_at: Timestamp,
    started_at: Type.Union([Timestamp, Type.Null()]),
    stopped_at: Type.Union([Timestamp, Type.Null()]),
    /** Why the sandbox stopped or failed, when it did. */
    status_reason: Type.Union([Type.String(), Type.Null()]),
    oom_kills: Type.Integer(),
    /** The last API call or command that touched it; idle stop counts from here. */
    last_active_at: Type.Union([Timestamp, Type.Null()]),
    /** Idle stop does not apply before this, set by POST /keepalive. */
    keepalive_until: Type.Union([Timestamp, Type.Null()]),
    /** The app whose sandbox this is; null for a standalone sandbox. */
    app_id: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'Sandbox' },
);
export type Sandbox = Static<typeof SandboxSchema>;

/** One sandbox with what runs in it: GET /v1/sandboxes/{id} and apps. */
export const SandboxDetailSchema = Type.Object(
  {
    ...SandboxSchema.properties,
    preview: PreviewSchema,
    processes: Type.Array(ProcessSchema, { description: 'Empty unless running' }),
    manifest: ManifestStateSchema,
  },
  { $id: 'SandboxDetail' },
);
export type SandboxDetail = Static<typeof SandboxDetailSchema>;

export const ListSandboxesQuery = Type.Object(
  {
    status: Type.Optional(SandboxStatus),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(SandboxId),
  },
  // metadata.<key>=<value> filters arrive as extra query keys, validated by the route.
  { additionalProperties: Type.String({ maxLength: 256 }) },
);

export const SandboxPage = Type.Object({
  items: Type.Array(SandboxSchema),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});

export const SandboxIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) }, strict);

export const StopSandboxBody = Type.Object(
  { grace_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })) },
  strict,
);
