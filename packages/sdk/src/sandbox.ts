import type { ExecResult } from '@paddock/shared';
import { ROUTES } from './routeTable.js';
import { Commands } from './commands.js';
import { Egress } from './egress.js';
import { eventFrames } from './eventStream.js';
import { type Command, type ExecOptions, runExec } from './exec.js';
import { Files } from './files.js';
import { PtySession, type PtyOptions } from './pty.js';
import type { BodyOf, QueryOf, ReplyOf } from './routeTypes.js';
import type { Snapshot, Snapshots } from './snapshots.js';
import type { RunTaskOptions, TaskHandle, TaskSpec, Tasks } from './tasks.js';
import type { Transport } from './transport.js';

type Signal = { signal?: AbortSignal };
export type SandboxInfo = ReplyOf<typeof ROUTES.sandboxes.get>;
export type SandboxRecord = ReplyOf<typeof ROUTES.sandboxes.create>;
export type CreateSandboxOptions = BodyOf<typeof ROUTES.sandboxes.create> & Signal;

/** Sandboxes: create one, list them, get a handle on one. */
export class Sandboxes {
  constructor(
    private readonly transport: Transport,
    private readonly services: { tasks: Tasks; snapshots: Snapshots },
  ) {}

  /** Creates and starts a sandbox (limits, env, metadata, or a snapshot to start from). */
  async create(options: CreateSandboxOptions = {}): Promise<Sandbox> {
    const { signal, ...body } = options;
    const record = await this.transport.call(ROUTES.sandboxes.create, { body, signal });
    return this.handle(record);
  }

  /** A page of sandboxes, newest first; `cursor` from the last page's `next_cursor`. */
  list(query: QueryOf<typeof ROUTES.sandboxes.list> = {}, options: Signal = {}) {
    return this.transport.call(ROUTES.sandboxes.list, { query, signal: options.signal });
  }

  /** Every sandbox, page after page. */
  async *all(query: QueryOf<typeof ROUTES.sandboxes.list> = {}, options: Signal = {}) {
    let cursor = query?.cursor;
    do {
      const page = await this.list({ ...query, ...(cursor ? { cursor } : {}) }, options);
      yield* page.items;
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  }

  /** A handle on an existing sandbox, with its details. */
  async get(sandboxId: string, options: Signal = {}): Promise<Sandbox> {
    const info = await this.transport.call(ROUTES.sandboxes.get, {
      params: { id: sandboxId },
      signal: options.signal,
    });
    return this.handle(info);
  }

  /** A handle without a request (the id is trusted; the first call finds out). */
  connect(sandboxId: string): Sandbox {
    return new Sandbox(this.transport, sandboxId, null, this.services);
  }

  private handle(record: SandboxRecord): Sandbox {
    return new Sandbox(this.transport, record.id, record, this.services);
  }
}

/** One sandbox: run commands in it, read and write its files, open a terminal, snapshot it. */
export class Sandbox {
  readonly files: Files;
  readonly commands: Commands;
  readonly egress: Egress;
  readonly pty: { open: (options?: PtyOptions) => Promise<PtySession> };

  constructor(
    private readonly transport: Transport,
    readonly id: string,
    /** The record as last fetched (null for a handle made by `connect`). */
    public info: SandboxRecord | null,
    private readonly services: { tasks: Tasks; snapshots: Snapshots },
  ) {
    this.files = new Files(transport, id);
    this.commands = new Commands(transport, id);
    this.egress = new Egress(transport, 'sandbox', id);
    this.pty = { open: (options) => PtySession.open(transport, id, options) };
  }

  private get params() {
    return { id: this.id };
  }

  /**
   * Runs a command and streams its output to `onStdout` / `onStderr`; resolves with the result
   * once it exits. A non-zero exit is a result, not an error.
   */
  exec(cmd: Command, options: ExecOptions = {}): Promise<ExecResult> {
    return runExec(this.transport, this.id, cmd, options);
  }

  /** The sandbox with its processes, preview and manifest. */
  async refresh(options: Signal = {}): Promise<SandboxInfo> {
    const info = await this.transport.call(ROUTES.sandboxes.get, {
      params: this.params,
      signal: options.signal,
    });
    this.info = info;
    return info;
  }

  /** The preview link of the sandbox's web process (null without one). */
  async previewUrl(options: Signal = {}): Promise<string | null> {
    return (await this.refresh(options)).preview.url;
  }

  /** Stops it (TERM, a grace period, KILL); its workspace is kept. */
  async stop(options: Signal & { graceMs?: number } = {}): Promise<SandboxRecord> {
    this.info = await this.transport.call(ROUTES.sandboxes.stop, {
      params: this.params,
      body: options.graceMs !== undefined ? { grace_ms: options.graceMs } : {},
      signal: options.signal,
    });
    return this.info;
  }

  /** Starts it again with its kept workspace. */
  async start(options: Signal = {}): Promise<SandboxRecord> {
    this.info = await this.transport.call(ROUTES.sandboxes.start, {
      params: this.params,
      signal: options.signal,
    });
    return this.info;
  }

  /** Holds off idle stop for a while (at most the `keepalive_max_seconds` setting). */
  async keepAlive(seconds: number, options: Signal = {}): Promise<SandboxRecord> {
    this.info = await this.transport.call(ROUTES.sandboxes.keepalive, {
      params: this.params,
      body: { seconds },
      signal: options.signal,
    });
    return this.info;
  }

  /** Deletes it: every process, mount and file goes. */
  async delete(options: Signal = {}): Promise<void> {
    await this.transport.call(ROUTES.sandboxes.delete, {
      params: this.params,
      signal: options.signal,
    });
  }

  /** Its filestores: where each is shown, how (`bind`, `sync`, `token`), when last synced. */
  async filestores(options: Signal = {}) {
    const page = await this.transport.call(ROUTES.filestores.sandboxMounts, {
      params: this.params,
      signal: options.signal,
    });
    return page.items;
  }

  /** Sends its read-write synced (S3) filestores' changes home now; a stop does too. */
  async syncFilestores(options: Signal = {}) {
    const result = await this.transport.call(ROUTES.filestores.sync, {
      params: this.params,
      signal: options.signal,
    });
    return result.items;
  }

  /** Its events, newest first; `before` is the last page's `next_cursor`. */
  events(query: QueryOf<typeof ROUTES.sandboxes.events> = {}, options: Signal = {}) {
    return this.transport.call(ROUTES.sandboxes.events, {
      params: this.params,
      query,
      signal: options.signal,
    });
  }

  /** The manifest's processes with status, restarts and health. */
  async processes(options: Signal = {}) {
    const page = await this.transport.call(ROUTES.processes.list, {
      params: this.params,
      signal: options.signal,
    });
    return page.items;
  }

  /** A process's log (stdout and stderr, across restarts). */
  logs(name: string, options: Signal & { tail?: number } = {}) {
    return this.transport.call(ROUTES.processes.logs, {
      params: { id: this.id, name },
      query: options.tail !== undefined ? { tail: options.tail } : {},
      signal: options.signal,
    });
  }

  /**
   * Follows a process's log: the current tail, then output as it happens (`output` {text}).
   * A daemon that stops ends it with a PaddockError `daemon_stopping`.
   */
  async *followLogs(name: string, options: Signal & { tail?: number } = {}) {
    const res = await this.transport.send(ROUTES.processes.logs, {
      params: { id: this.id, name },
      query: options.tail !== undefined ? { tail: options.tail } : {},
      accept: 'text/event-stream',
      signal: options.signal,
    });
    for await (const frame of eventFrames<{ event: string; data: { text: string } }>(
      res,
      options.signal,
    )) {
      if (frame.event === 'output') yield frame.data.text;
    }
  }

  /** Restarts a process of the manifest now. */
  restartProcess(name: string, options: Signal = {}) {
    return this.transport.call(ROUTES.processes.restart, {
      params: { id: this.id, name },
      signal: options.signal,
    });
  }

  /** Starts an agent task here; see `TaskHandle`. */
  runTask(spec: TaskSpec, options: RunTaskOptions = {}): Promise<TaskHandle> {
    return this.services.tasks.run(this.id, spec, options);
  }

  /** Captures the workspace as a snapshot. */
  snapshot(name: string, options: Signal = {}): Promise<Snapshot> {
    return this.services.snapshots.create(this.id, name, options);
  }
}
