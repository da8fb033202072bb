import type { CreateTaskBody, Task, TaskStreamFrame } from '@paddock/shared';
import { ROUTES } from './routeTable.js';
import { PaddockError } from './errors.js';
import { eventFrames } from './eventStream.js';
import type { Transport } from './transport.js';

type Signal = { signal?: AbortSignal };

/** What a task runs: an agent CLI with a prompt, or (`command`) a script. */
export type TaskSpec =
  | { provider: 'command'; script: string }
  | { provider: Exclude<CreateTaskBody['provider'], 'command'>; prompt: string; model?: string };

export interface RunTaskOptions extends Signal {
  timeoutSeconds?: number;
  /** When a task already runs in the sandbox: wait in line (default) or fail with 409. */
  ifBusy?: 'queue' | 'reject';
}

function taskBody(spec: TaskSpec, options: RunTaskOptions): CreateTaskBody {
  const extra = {
    ...(options.timeoutSeconds !== undefined ? { timeout_seconds: options.timeoutSeconds } : {}),
    ...(options.ifBusy !== undefined ? { if_busy: options.ifBusy } : {}),
  };
  if (spec.provider === 'command') {
    return { provider: 'command', input: { script: spec.script }, ...extra };
  }
  return {
    provider: spec.provider,
    input: { prompt: spec.prompt, ...(spec.model !== undefined ? { model: spec.model } : {}) },
    ...extra,
  };
}

const FINAL = new Set(['succeeded', 'failed', 'canceled', 'timed_out']);

/** Agent tasks: start one in a sandbox, find one by id. */
export class Tasks {
  constructor(private readonly transport: Transport) {}

  /** Starts a task in a sandbox (queued behind the one running) and returns its handle. */
  async run(sandboxId: string, spec: TaskSpec, options: RunTaskOptions = {}): Promise<TaskHandle> {
    const task = await this.transport.call(ROUTES.tasks.create, {
      params: { id: sandboxId },
      body: taskBody(spec, options),
      signal: options.signal,
    });
    return new TaskHandle(this.transport, task as Task);
  }

  /** The sandbox's tasks, newest first. */
  async list(sandboxId: string, options: Signal = {}): Promise<Task[]> {
    const page = await this.transport.call(ROUTES.tasks.list, {
      params: { id: sandboxId },
      signal: options.signal,
    });
    return page.items;
  }

  async get(taskId: string, options: Signal = {}): Promise<TaskHandle> {
    const task = await this.transport.call(ROUTES.tasks.get, {
      params: { id: taskId },
      signal: options.signal,
    });
    return new TaskHandle(this.transport, task);
  }
}

/**
 * One task: `for await (const e of task.events())` follows its log and status; `await
 * task.result` is the finished task (whatever its verdict: check `status`).
 */
export class TaskHandle {
  private finished: Promise<Task> | null = null;

  constructor(
    private readonly transport: Transport,
    /** The task as last seen. */
    public task: Task,
  ) {}

  get id(): string {
    return this.task.id;
  }

  /**
   * The task's events in order: `log` {text} (the first is the log so far), `status` {status},
   * and a last `result` (the finished task), after which the iteration ends. A daemon that
   * stops first ends it with a PaddockError `daemon_stopping` (the task goes on).
   */
  async *events(options: Signal = {}): AsyncGenerator<TaskStreamFrame> {
    const res = await this.transport.send(ROUTES.tasks.stream, {
      params: { id: this.task.id },
      accept: 'text/event-stream',
      signal: options.signal,
    });
    for await (const frame of eventFrames<TaskStreamFrame>(res, options.signal)) {
      if (frame.event === 'result') this.task = frame.data;
      yield frame;
      if (frame.event === 'result') return;
    }
  }

  /** The finished task; follows the stream once, however often it is awaited. */
  get result(): Promise<Task> {
    this.finished ??= this.wait();
    return this.finished;
  }

  /** Waits for the end, with a signal to stop waiting (the task itself goes on). */
  async wait(options: Signal = {}): Promise<Task> {
    if (FINAL.has(this.task.status)) return this.task;
    for await (const frame of this.events(options)) {
      if (frame.event === 'result') return frame.data;
    }
    // The stream ended without a result (a restart in between): read the task instead.
    const task = await this.refresh(options);
    if (FINAL.has(task.status)) return task;
    throw new PaddockError('stream_error', `task ${task.id} is still ${task.status}`);
  }

  async refresh(options: Signal = {}): Promise<Task> {
    this.task = await this.transport.call(ROUTES.tasks.get, {
      params: { id: this.task.id },
      signal: options.signal,
    });
    return this.task;
  }

  /** Cancels it: a queued task ends, a running one has its process group killed. */
  async cancel(options: Signal = {}): Promise<Task> {
    this.task = await this.transport.call(ROUTES.tasks.cancel, {
      params: { id: this.task.id },
      signal: options.signal,
    });
    return this.task;
  }

  /** Its changes as a unified diff (empty until it finished). */
  async diff(options: Signal = {}): Promise<string> {
    const res = await this.transport.send(ROUTES.tasks.diff, {
      params: { id: this.task.id },
      signal: options.signal,
    });
    return res.text();
  }
}
