import { Type, type Static } from 'typebox';
import { ExecRequest, ExecState, ProcessStatus, SignalName } from '../agent/messages.js';
import { strict } from './common.js';

/** The exec body is the agent's `ExecRequest`: one schema for both sides. */
export const ExecBody = ExecRequest;
export type ExecBody = Static<typeof ExecBody>;

export const ExecResultSchema = Type.Object(
  {
    exit_code: Type.Union([Type.Integer(), Type.Null()]),
    signal: Type.Union([Type.String(), Type.Null()]),
    stdout: Type.String(),
    stderr: Type.String(),
    stdout_truncated: Type.Boolean(),
    stderr_truncated: Type.Boolean(),
    duration_ms: Type.Number(),
    state: ExecState,
  },
  { $id: 'ExecResult' },
);

export const CommandSchema = Type.Object(
  {
    id: Type.String(),
    pid: Type.Integer(),
    command: Type.String(),
    status: ProcessStatus,
    started_at: Type.String(),
    ended_at: Type.Union([Type.String(), Type.Null()]),
    exit_code: Type.Union([Type.Integer(), Type.Null()]),
    signal: Type.Union([Type.String(), Type.Null()]),
    state: Type.Union([ExecState, Type.Null()]),
  },
  { $id: 'Command' },
);

export const CommandList = Type.Object({ items: Type.Array(CommandSchema) });

export const CommandParams = Type.Object(
  { id: Type.String({ maxLength: 64 }), pid: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) },
  strict,
);

export const SignalBody = Type.Object({ signal: SignalName }, strict);

export const CommandOutputSchema = Type.Object({
  stdout: Type.String(),
  stderr: Type.String(),
  truncated: Type.Boolean(),
});

export const CommandOutputQuery = Type.Object(
  { tail: Type.Optional(Type.Integer({ minimum: 1, maximum: 1 << 20 })) },
  strict,
);
