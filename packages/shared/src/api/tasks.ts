import { Type, type Static } from 'typebox';
import { AGENT_PROVIDERS } from '../agentKeys.js';
import { Timestamp, strict } from './common.js';

export const TaskStatus = Type.Enum([
  'queued',
  'running',
  'succeeded',
  'failed',
  'canceled',
  'timed_out',
]);
export type TaskStatus = Static<typeof TaskStatus>;

/** The `command` provider: a shell script run in the workspace (scripted agents, tests). */
export const CommandTaskInput = Type.Object(
  { script: Type.String({ minLength: 1, maxLength: 256 * 1024 }) },
  strict,
);

/** The agent CLIs: a prompt, run non-interactively in the workspace. */
export const AgentTaskInput = Type.Object(
  {
    prompt: Type.String({ minLength: 1, maxLength: 64 * 1024 }),
    model: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:/-]{1,128}$' })),
  },
  strict,
);

const TaskOptions = {
  timeout_seconds: Type.Optional(
    Type.Integer({ minimum: 1, description: 'At most the task_timeout_max_seconds setting' }),
  ),
  if_busy: Type.Optional(
    Type.Enum(['queue', 'reject'], {
      description: 'When a task already runs in the sandbox: wait in line (default) or 409',
    }),
  ),
};

export const CreateTaskBody = Type.Union([
  Type.Object(
    { provider: Type.Literal('command'), input: CommandTaskInput, ...TaskOptions },
    strict,
  ),
  Type.Object(
    { provider: Type.Enum([...AGENT_PROVIDERS]), input: AgentTaskInput, ...TaskOptions },
    strict,
  ),
]);
export type CreateTaskBody = Static<typeof CreateTaskBody>;

export const ChangedFileSchema = Type.Object({
  path: Type.String(),
  /** Null for binary files. */
  added: Type.Union([Type.Integer(), Type.Null()]),
  removed: Type.Union([Type.Integer(), Type.Null()]),
});
export type ChangedFile = Static<typeof ChangedFileSchema>;

/** The model usage an agent CLI reported for a run. */
export const TaskUsageSchema = Type.Object(
  {
    /** Every input token the model read, cached ones included. */
    input_tokens: Type.Integer({ minimum: 0 }),
    output_tokens: Type.Integer({ minimum: 0 }),
    /** What the CLI says the run cost; null when it reports tokens only (Codex). */
    cost_usd: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
  },
  { $id: 'TaskUsage' },
);
export type TaskUsage = Static<typeof TaskUsageSchema>;

export const TaskResultSchema = Type.Object(
  {
    exit_code: Type.Union([Type.Integer(), Type.Null()]),
    build_status: Type.Enum(['passed', 'failed', 'skipped']),
    /** Absent for worker-only apps (no preview). */
    preview_ok: Type.Optional(Type.Boolean()),
    app_healthy: Type.Boolean(),
    files_changed: Type.Array(ChangedFileSchema),
    /** The commit holding the task's changes, or the unchanged HEAD. */
    checkpoint: Type.Union([Type.String(), Type.Null()]),
    duration_ms: Type.Integer(),
    /** Absent when the provider reports none (`command`, or a CLI that ended before any). */
    usage: Type.Optional(TaskUsageSchema),
  },
  { $id: 'TaskResult' },
);
export type TaskResult = Static<typeof TaskResultSchema>;

/** What a task was asked, as it shows in the API: the script, or the prompt and model. */
export const TaskInputView = Type.Object(
  {
    script: Type.Optional(Type.String({ description: '`command` tasks' })),
    prompt: Type.Optional(Type.String({ description: 'Agent CLI tasks' })),
    model: Type.Optional(Type.String()),
  },
  { $id: 'TaskInput' },
);
export type TaskInputView = Static<typeof TaskInputView>;

export const TaskSchema = Type.Object(
  {
    id: Type.String(),
    sandbox_id: Type.String(),
    provider: Type.String(),
    input: TaskInputView,
    status: TaskStatus,
    status_reason: Type.Union([Type.String(), Type.Null()]),
    timeout_seconds: Type.Integer(),
    created_at: Timestamp,
    started_at: Type.Union([Timestamp, Type.Null()]),
    ended_at: Type.Union([Timestamp, Type.Null()]),
    result: Type.Union([TaskResultSchema, Type.Null()]),
  },
  { $id: 'Task' },
);
export type Task = Static<typeof TaskSchema>;

export const TaskList = Type.Object({ items: Type.Array(TaskSchema) });
export const TaskIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) }, strict);

/** Frames of GET /v1/tasks/{id}/stream (server-sent events). */
export type TaskStreamFrame =
  | { event: 'log'; data: { text: string } }
  | { event: 'status'; data: { status: TaskStatus } }
  | { event: 'result'; data: Task };
