import { Type, type Static } from 'typebox';
import { AGENT_LIMITS, SIGNALS } from '../agent-protocol.js';
import { EnvMap, strict } from './common.js';

export const ExecBody = Type.Object(
  {
    command: Type.Optional(Type.String({ minLength: 1, maxLength: 65536 })),
    argv: Type.Optional(
      Type.Array(Type.String({ maxLength: 65536 }), { minItems: 1, maxItems: 4096 }),
    ),
    cwd: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    env: Type.Optional(EnvMap),
    stdin: Type.Optional(Type.String({ maxLength: 8 * 1024 * 1024 })),
    timeout_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: AGENT_LIMITS.maxTimeoutMs })),
    background: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type ExecBody = Static<typeof ExecBody>;

export const ExecStateSchema = Type.Enum(['exited', 'timed_out', 'oom', 'killed']);

export const ExecResultSchema = Type.Object(
  {
    exit_code: Type.Union([Type.Integer(), Type.Null()]),
    signal: Type.Union([Type.String(), Type.Null()]),
    stdout: Type.String(),
    stderr: Type.String(),
    stdout_truncated: Type.Boolean(),
    stderr_truncated: Type.Boolean(),
    duration_ms: Type.Number(),
    state: ExecStateSchema,
  },
  { $id: 'ExecResult' },
);

export const CommandSchema = Type.Object(
  {
    id: Type.String(),
    pid: Type.Integer(),
    command: Type.String(),
    status: Type.Enum(['running', 'exited']),
    started_at: Type.String(),
    ended_at: Type.Union([Type.String(), Type.Null()]),
    exit_code: Type.Union([Type.Integer(), Type.Null()]),
    signal: Type.Union([Type.String(), Type.Null()]),
    state: Type.Union([ExecStateSchema, Type.Null()]),
  },
  { $id: 'Command' },
);

export const CommandList = Type.Object({ items: Type.Array(CommandSchema) });

export const CommandParams = Type.Object(
  { id: Type.String({ maxLength: 64 }), pid: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) },
  strict,
);

export const SignalBody = Type.Object({ signal: Type.Enum(SIGNALS) }, strict);

export const CommandOutputSchema = Type.Object({
  stdout: Type.String(),
  stderr: Type.String(),
  truncated: Type.Boolean(),
});
