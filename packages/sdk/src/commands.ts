import type { SignalName } from '@paddock/shared';
import { ROUTES } from './routeTable.js';
import { type Command, commandBody } from './exec.js';
import type { ReplyOf } from './routeTypes.js';
import { sleep } from './sleep.js';
import type { Transport } from './transport.js';

/** A background command's record: pid, status, and once it ended, its exit. */
export type CommandRecord = ReplyOf<typeof ROUTES.exec.getCommand>;

export interface StartOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Text written to the command's stdin at start, which is then closed. */
  stdin?: string;
  /** Kill it after this long (its `state` becomes `timed_out`). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Background commands of one sandbox: start, list, and a handle per command. */
export class Commands {
  constructor(
    private readonly transport: Transport,
    readonly sandboxId: string,
  ) {}

  /** Starts a command in the background and answers at once with its handle. */
  async start(cmd: Command, options: StartOptions = {}): Promise<CommandHandle> {
    const res = await this.transport.send(ROUTES.exec.exec, {
      params: { id: this.sandboxId },
      json: {
        ...commandBody(cmd),
        background: true,
        ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
        ...(options.env !== undefined ? { env: options.env } : {}),
        ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
        ...(options.timeoutMs !== undefined ? { timeout_ms: options.timeoutMs } : {}),
      },
      signal: options.signal,
    });
    return new CommandHandle(this.transport, this.sandboxId, (await res.json()) as CommandRecord);
  }

  /** Running commands and the most recent finished ones. */
  async list(options: { signal?: AbortSignal } = {}): Promise<CommandRecord[]> {
    const page = await this.transport.call(ROUTES.exec.listCommands, {
      params: { id: this.sandboxId },
      signal: options.signal,
    });
    return page.items;
  }

  /** A handle on a command by its id (the record is fetched). */
  async get(commandId: string, options: { signal?: AbortSignal } = {}): Promise<CommandHandle> {
    const record = await this.transport.call(ROUTES.exec.getCommand, {
      params: { id: this.sandboxId, pid: commandId },
      signal: options.signal,
    });
    return new CommandHandle(this.transport, this.sandboxId, record);
  }
}

/** One background command: its latest record, its output, and ways to end it. */
export class CommandHandle {
  constructor(
    private readonly transport: Transport,
    readonly sandboxId: string,
    /** The record as last fetched. */
    public record: CommandRecord,
  ) {}

  get id(): string {
    return this.record.id;
  }

  private get params() {
    return { id: this.sandboxId, pid: this.record.id };
  }

  /** Fetches the record again. */
  async refresh(options: { signal?: AbortSignal } = {}): Promise<CommandRecord> {
    this.record = await this.transport.call(ROUTES.exec.getCommand, {
      params: this.params,
      signal: options.signal,
    });
    return this.record;
  }

  /** The newest output (a bounded ring: `truncated` says older output was dropped). */
  output(options: { tail?: number; signal?: AbortSignal } = {}) {
    return this.transport.call(ROUTES.exec.commandOutput, {
      params: this.params,
      query: options.tail !== undefined ? { tail: options.tail } : {},
      signal: options.signal,
    });
  }

  /** Waits until the command has exited and returns its final record. */
  async wait(options: { signal?: AbortSignal; pollMs?: number } = {}): Promise<CommandRecord> {
    let delay = 50;
    while (this.record.status === 'running') {
      await sleep(delay, options.signal);
      delay = Math.min(delay * 2, options.pollMs ?? 500);
      await this.refresh(options);
    }
    return this.record;
  }

  /** Sends a signal to the command's process group. */
  async signal(signal: SignalName, options: { signal?: AbortSignal } = {}): Promise<CommandRecord> {
    this.record = await this.transport.call(ROUTES.exec.signalCommand, {
      params: this.params,
      body: { signal },
      signal: options.signal,
    });
    return this.record;
  }

  /** Kills the command's process group and returns its final record. */
  async kill(options: { signal?: AbortSignal } = {}): Promise<CommandRecord> {
    this.record = await this.transport.call(ROUTES.exec.killCommand, {
      params: this.params,
      signal: options.signal,
    });
    return this.record;
  }
}
