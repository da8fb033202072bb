/**
 * The guest-agent protocol's messages as TypeBox schemas; every type is `Static<>` of its schema.
 * The daemon's `AgentClient` checks answers against them with compiled checkers; the agent only
 * imports the types, so neither TypeBox nor these schemas land in its bundle or its start-up.
 *
 * Answer schemas leave `additionalProperties` open on purpose: a newer agent may add fields.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { EnvMap } from '../envMap.js';
import { strict } from '../strictObject.js';
import { AGENT_LIMITS, SIGNALS } from './protocol.js';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const ExecState = Type.Enum(['exited', 'timed_out', 'oom', 'killed']);
export type ExecState = Static<typeof ExecState>;

/** A background process started by exec. */
export const ProcessStatus = Type.Enum(['running', 'exited']);
export type ProcessStatus = Static<typeof ProcessStatus>;

export const SignalName = Type.Enum(SIGNALS);
export type SignalName = Static<typeof SignalName>;

export const FileType = Type.Enum(['file', 'directory', 'symlink', 'other']);
export type FileType = Static<typeof FileType>;

/** The public API's `ExecBody` is this schema too. */
export const ExecRequest = Type.Object(
  {
    /** A shell command run by `/bin/sh -c`. Exactly one of `command` and `argv`. */
    command: Type.Optional(Type.String({ minLength: 1, maxLength: 65536 })),
    argv: Type.Optional(
      Type.Array(Type.String({ maxLength: 65536 }), { minItems: 1, maxItems: 4096 }),
    ),
    /** Working directory; relative paths resolve inside the workspace. Default: the workspace. */
    cwd: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    /** Explicit variables; they pass the credential scrub because they are explicit. */
    env: Type.Optional(EnvMap),
    /** Text written to the process's stdin, which is then closed. */
    stdin: Type.Optional(Type.String({ maxLength: 8 * 1024 * 1024 })),
    /** Kill the process group after this long and report `timed_out`. */
    timeout_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: AGENT_LIMITS.maxTimeoutMs })),
    /** Start in the background and answer at once with the process record. */
    background: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type ExecRequest = Static<typeof ExecRequest>;

/** How an exec ended: an exec result without its output, and the data of an `exit` frame. */
export const ExecOutcome = Type.Object({
  exit_code: Nullable(Type.Integer()),
  /** The signal that ended the process, e.g. `SIGKILL`, or null. */
  signal: Nullable(Type.String()),
  stdout_truncated: Type.Boolean(),
  stderr_truncated: Type.Boolean(),
  duration_ms: Type.Number(),
  state: ExecState,
});
export type ExecOutcome = Static<typeof ExecOutcome>;

export const ExecResult = Type.Object({
  ...ExecOutcome.properties,
  stdout: Type.String(),
  stderr: Type.String(),
});
export type ExecResult = Static<typeof ExecResult>;

/** Frames of a streamed exec (`Accept: text/event-stream`): the SSE `event:` name and its data. */
export const ExecStreamFrame = Type.Union([
  Type.Object({ event: Type.Literal('start'), data: Type.Object({ pid: Type.Integer() }) }),
  Type.Object({ event: Type.Literal('stdout'), data: Type.Object({ text: Type.String() }) }),
  Type.Object({ event: Type.Literal('stderr'), data: Type.Object({ text: Type.String() }) }),
  Type.Object({ event: Type.Literal('exit'), data: ExecOutcome }),
  Type.Object({
    event: Type.Literal('error'),
    data: Type.Object({ code: Type.String(), message: Type.String() }),
  }),
]);
export type ExecStreamFrame = Static<typeof ExecStreamFrame>;

export const ProcessInfo = Type.Object({
  id: Type.String(),
  pid: Type.Integer(),
  command: Type.String(),
  status: ProcessStatus,
  started_at: Type.String(),
  ended_at: Nullable(Type.String()),
  exit_code: Nullable(Type.Integer()),
  signal: Nullable(Type.String()),
  state: Nullable(ExecState),
});
export type ProcessInfo = Static<typeof ProcessInfo>;

export const ProcessList = Type.Object({ items: Type.Array(ProcessInfo) });
export type ProcessList = Static<typeof ProcessList>;

export const ProcessOutput = Type.Object({
  /** The newest output, bounded by the agent's ring buffer. */
  stdout: Type.String(),
  stderr: Type.String(),
  truncated: Type.Boolean(),
});
export type ProcessOutput = Static<typeof ProcessOutput>;

export const FileStat = Type.Object({
  /** The path relative to the workspace, `.` for the workspace itself. */
  path: Type.String(),
  name: Type.String(),
  type: FileType,
  size: Type.Number(),
  mode: Type.String(),
  modified_at: Type.String(),
  /** For symlinks: the link text, never followed. */
  link_target: Type.Optional(Type.String()),
});
export type FileStat = Static<typeof FileStat>;

export const FileListing = Type.Object({
  path: Type.String(),
  entries: Type.Array(FileStat),
  /** True when the listing was cut at the entry cap. */
  truncated: Type.Boolean(),
});
export type FileListing = Static<typeof FileListing>;

/** What happened to a path under a watched directory. */
export const FileChangeType = Type.Enum(['created', 'changed', 'removed']);
export type FileChangeType = Static<typeof FileChangeType>;

/**
 * One change seen by a file watch (GET /files/watch; the public API's watch frames carry it). A
 * directory is only ever created or removed: its contents report their own changes. A removed
 * directory stands for everything under it, whose entries may or may not get events of their own.
 */
export const FileWatchEvent = Type.Object({
  type: FileChangeType,
  /** Relative to the workspace, under the watched directory as it was named. */
  path: Type.String(),
  /** What is (or, when removed, was) at the path; symlinks are reported, never followed. */
  kind: FileType,
});
export type FileWatchEvent = Static<typeof FileWatchEvent>;

/**
 * A file watch's stream, as server-sent events: `ready` once the watch is in place, then a frame
 * per change named after its type, `overflow` when changes came too fast to report one by one
 * (events were dropped: list the directory again), and a final `error` if the watch ends on its
 * own (the directory was removed, the sandbox stops).
 */
export const FileWatchFrame = Type.Union([
  Type.Object({ event: Type.Literal('ready'), data: Type.Object({ path: Type.String() }) }),
  Type.Object({ event: FileChangeType, data: FileWatchEvent }),
  Type.Object({ event: Type.Literal('overflow'), data: Type.Object({ path: Type.String() }) }),
  Type.Object({
    event: Type.Literal('error'),
    data: Type.Object({ code: Type.String(), message: Type.String() }),
  }),
]);
export type FileWatchFrame = Static<typeof FileWatchFrame>;

/** PUT /files answer. */
export const FileWritten = Type.Object({ path: Type.String(), size: Type.Number() });
export type FileWritten = Static<typeof FileWritten>;

export const MkdirRequest = Type.Object(
  {
    path: Type.String(),
    /** Create missing parents; an existing directory is then not an error. */
    parents: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type MkdirRequest = Static<typeof MkdirRequest>;

export const MoveRequest = Type.Object(
  { from: Type.String(), to: Type.String(), overwrite: Type.Optional(Type.Boolean()) },
  strict,
);
export type MoveRequest = Static<typeof MoveRequest>;

export const ShutdownRequest = Type.Object(
  {
    /** How long children get between SIGTERM and SIGKILL. */
    grace_ms: Type.Optional(Type.Integer()),
  },
  strict,
);
export type ShutdownRequest = Static<typeof ShutdownRequest>;

export const AgentHealth = Type.Object({
  ok: Type.Literal(true),
  protocol: Type.Integer(),
  pid: Type.Integer(),
  uptime_ms: Type.Number(),
  processes: Type.Integer(),
  /** Open file watches; optional because a sandbox started before it existed may still answer. */
  watches: Type.Optional(Type.Integer()),
});
export type AgentHealth = Static<typeof AgentHealth>;

export const SupervisedKind = Type.Enum(['web', 'worker']);
export type SupervisedKind = Static<typeof SupervisedKind>;

/** The status of a supervised process; the public API's `Process.status` too. */
export const SupervisedStatus = Type.Enum(['starting', 'running', 'backoff', 'failed', 'stopped']);
export type SupervisedStatus = Static<typeof SupervisedStatus>;

export const SupervisedHealth = Type.Enum(['starting', 'ready', 'down']);
export type SupervisedHealth = Static<typeof SupervisedHealth>;

/** One long-running process the agent keeps up. */
export const SupervisedSpec = Type.Object(
  {
    /** `^[A-Za-z0-9_-]{1,64}$`, unique within a PUT. */
    name: Type.String(),
    kind: SupervisedKind,
    /** Run by `/bin/sh -c` in the workspace. */
    command: Type.String(),
    /** Explicit variables, on top of the scrubbed base environment (like exec's `env`). */
    env: Type.Optional(Type.Record(Type.String(), Type.String())),
    /** Web only: the loopback port whose `health_path` is polled. */
    port: Type.Optional(Type.Integer()),
    /** Web only, needs `port`; default `/`. */
    health_path: Type.Optional(Type.String()),
  },
  strict,
);
export type SupervisedSpec = Static<typeof SupervisedSpec>;

/** PUT /supervisor body. */
export const SupervisorApplyRequest = Type.Object(
  { processes: Type.Array(SupervisedSpec) },
  strict,
);
export type SupervisorApplyRequest = Static<typeof SupervisorApplyRequest>;

export const SupervisedInfo = Type.Object({
  name: Type.String(),
  kind: SupervisedKind,
  status: SupervisedStatus,
  pid: Nullable(Type.Integer()),
  /** Automatic and manual restarts. */
  restarts: Type.Integer(),
  /** When the current status began (ISO 8601). */
  since: Type.String(),
  /** Of the last exit. */
  exit_code: Nullable(Type.Integer()),
  signal: Nullable(Type.String()),
  /** Null for workers and for webs without a port. */
  health: Nullable(SupervisedHealth),
});
export type SupervisedInfo = Static<typeof SupervisedInfo>;

/** GET /supervisor and PUT /supervisor answers. */
export const SupervisorList = Type.Object({ items: Type.Array(SupervisedInfo) });
export type SupervisorList = Static<typeof SupervisorList>;

/** GET /supervisor/{name}/logs answer: combined stdout and stderr, kept across restarts. */
export const SupervisedLogs = Type.Object({ output: Type.String(), truncated: Type.Boolean() });
export type SupervisedLogs = Static<typeof SupervisedLogs>;

/** Frames of GET /supervisor/{name}/logs with `Accept: text/event-stream`. */
export const SupervisedLogFrame = Type.Object({
  event: Type.Literal('output'),
  data: Type.Object({ text: Type.String() }),
});
export type SupervisedLogFrame = Static<typeof SupervisedLogFrame>;
