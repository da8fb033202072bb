import { Type, type Static } from 'typebox';
import { SupervisedHealth, SupervisedKind, SupervisedStatus } from '../agent/messages.js';
import { strict } from './common.js';
import { ManifestIssueSchema } from './runtime.js';

/** A supervised process (the manifest's web process or a worker), as the guest agent runs it. */
export const ProcessSchema = Type.Object(
  {
    name: Type.String(),
    kind: SupervisedKind,
    status: Type.Enum(SupervisedStatus.enum, {
      description: '`failed`: it kept exiting quickly and is no longer restarted',
    }),
    pid: Type.Union([Type.Integer(), Type.Null()]),
    restarts: Type.Integer(),
    since: Type.String({ description: 'When the current status began' }),
    exit_code: Type.Union([Type.Integer(), Type.Null()]),
    signal: Type.Union([Type.String(), Type.Null()]),
    health: Type.Union([SupervisedHealth, Type.Null()], {
      description: 'Web processes: the result of polling `web.health_path`',
    }),
  },
  { $id: 'Process' },
);
export type ProcessView = Static<typeof ProcessSchema>;

export const ProcessListSchema = Type.Object({ items: Type.Array(ProcessSchema) });

export const ProcessNameParams = Type.Object(
  {
    id: Type.String({ maxLength: 64 }),
    name: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
  },
  strict,
);

export const ProcessLogsQuery = Type.Object(
  { tail: Type.Optional(Type.Integer({ minimum: 1, maximum: 1 << 20 })) },
  strict,
);

export const ProcessLogsSchema = Type.Object({
  output: Type.String({ description: 'stdout and stderr interleaved, kept across restarts' }),
  truncated: Type.Boolean(),
});
export type ProcessLogs = Static<typeof ProcessLogsSchema>;

export const PreviewStatus = Type.Enum(['starting', 'ready', 'down', 'none']);
export type PreviewStatus = Static<typeof PreviewStatus>;

export const PreviewSchema = Type.Object(
  {
    url: Type.Union([Type.String(), Type.Null()], {
      description:
        'The preview link; private previews carry a signed, expiring token. Null without a web process.',
    }),
    status: PreviewStatus,
    public: Type.Boolean(),
    expires_at: Type.Union([Type.String(), Type.Null()], {
      description: "When the link's token expires (null for public previews)",
    }),
  },
  { $id: 'Preview' },
);
export type Preview = Static<typeof PreviewSchema>;

export const ManifestStateSchema = Type.Object(
  {
    source: Type.Enum(['workspace', 'preset', 'none'], {
      description: '`workspace`: sandbox.yaml; `preset`: the preset defaults; `none`: neither',
    }),
    errors: Type.Array(ManifestIssueSchema, {
      description: 'Why sandbox.yaml was refused; the processes keep their last valid spec',
    }),
  },
  { $id: 'ManifestState' },
);
export type ManifestState = Static<typeof ManifestStateSchema>;
