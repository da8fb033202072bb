import fs from 'node:fs';
import type { FastifyBaseLogger } from 'fastify';
import { runTask, type TaskEnd, type TaskHost, type TaskProvider } from '@paddock/agents';
import {
  PaddockError,
  failpoint,
  type CreateTaskBody,
  type TaskResult,
  type TaskStatus,
} from '@paddock/shared';
import type { EventLog } from '../events/eventLog.js';
import type { RuntimeService } from '../processes/runtimeService.js';
import type { SandboxService } from '../sandboxes/sandboxService.js';
import type { SettingsStore } from '../settings/settingsStore.js';
import type { TaskLogs } from './taskLog.js';
import type { TaskSpend } from './taskSpend.js';
import { taskView, type TaskRow, type TaskStore } from './taskStore.js';

export interface TaskServiceOptions {
  /** By name; `command` and the agent CLIs. */
  providers: ReadonlyMap<string, TaskProvider>;
  /** Where agent CLIs are installed, and how a host path there is seen inside a sandbox. */
  tools: { ensure(tool: string): Promise<string> };
  store: TaskStore;
  spend: TaskSpend;
  logs: TaskLogs;
  sandboxes: SandboxService;
  runtime: RuntimeService;
  events: EventLog;
  settings: SettingsStore;
  log: FastifyBaseLogger;
  /**
   * The app config agent tasks get (agent_access and both): plain values, and a placeholder for
   * each sensitive one, which the egress proxy swaps for the value on the way to its hosts.
   */
  agentEnv: (owner: string, sandboxId: string) => Promise<Record<string, string>>;
  /**
   * Records that the task is about to change its sandbox's files (the provenance record);
   * a task that cannot be recorded does not run.
   */
  taskStarting: (task: TaskRow) => Promise<void>;
}

/**
 * Agent tasks: one at a time per sandbox, the rest in line. A task runs its provider, then
 * commits a checkpoint, runs the build check, restarts what the manifest marks
 * `restart_after_task`, waits for health, and records an honest result. Its log is kept whole
 * (up to a size limit) whatever the ending.
 */
export class TaskService {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly waiting = new Map<string, number>();
  private readonly aborts = new Map<string, AbortController>();
  /** Each queued or running task's sandbox and owner. */
  private readonly placed = new Map<string, { sandboxId: string; owner: string }>();
  private closing = false;

  constructor(private readonly o: TaskServiceOptions) {}

  /** At start: tasks a previous daemon left queued or running end as failed, with the reason. */
  async reconcile(): Promise<number> {
    const rows = await this.o.store.listUnfinished();
    for (const row of rows) {
      await this.o.store.update(row.id, {
        status: 'failed',
        status_reason: 'the daemon restarted while the task was ' + row.status,
        ended_at: new Date().toISOString(),
      });
    }
    return rows.length;
  }

  async create(owner: string, sandboxId: string, body: CreateTaskBody): Promise<TaskRow> {
    const settings = this.o.settings.get();
    // A default set above the maximum is capped, not an error for every caller.
    const timeout =
      body.timeout_seconds ??
      Math.min(settings.task_timeout_default_seconds, settings.task_timeout_max_seconds);
    if (timeout > settings.task_timeout_max_seconds) {
      throw new PaddockError(
        'limit_exceeded',
        `tasks may run at most ${settings.task_timeout_max_seconds} seconds`,
        { timeout_seconds: { requested: timeout, max: settings.task_timeout_max_seconds } },
      );
    }
    if (!this.o.providers.has(body.provider)) {
      throw new PaddockError('bad_request', `no task provider "${body.provider}" here`);
    }
    const { row: sandbox } = await this.o.sandboxes.agent(owner, sandboxId);
    await this.o.spend.assertRoom(owner, sandbox.app_id);
    if (this.closing) throw new PaddockError('sandbox_unavailable', 'the daemon is shutting down');
    if (body.if_busy === 'reject' && this.busy(sandboxId)) {
      throw new PaddockError('conflict', `sandbox ${sandboxId} is running a task`);
    }
    // Counted before anything is awaited, so two racing `reject` calls cannot both get in.
    this.waiting.set(sandboxId, (this.waiting.get(sandboxId) ?? 0) + 1);
    let enqueued = false;
    try {
      const row = await this.o.store.insert({
        owner,
        sandboxId,
        provider: body.provider,
        input: body.input as Record<string, unknown>,
        timeoutSeconds: timeout,
      });
      this.aborts.set(row.id, new AbortController());
      this.placed.set(row.id, { sandboxId, owner });
      this.o.logs.prepare(row.id);
      await this.event(row, 'task.queued', 'Task queued', { provider: row.provider });
      enqueued = true;
      const tail = (this.tails.get(sandboxId) ?? Promise.resolve())
        .then(() => this.run(row.id, owner))
        .catch((err: unknown) => this.o.log.error({ err, task_id: row.id }, 'task runner failed'))
        .finally(() => {
          this.uncount(sandboxId);
          if (this.tails.get(sandboxId) === tail) this.tails.delete(sandboxId);
        });
      this.tails.set(sandboxId, tail);
      return row;
    } finally {
      if (!enqueued) this.uncount(sandboxId);
    }
  }

  private forget(taskId: string): void {
    this.aborts.delete(taskId);
    this.placed.delete(taskId);
  }

  /** The sandbox is stopping or being deleted: its tasks, queued or running, are canceled. */
  sandboxStopping(sandboxId: string): void {
    for (const [taskId, at] of this.placed) {
      if (at.sandboxId !== sandboxId) continue;
      this.cancel(at.owner, taskId).catch((err: unknown) =>
        this.o.log.warn({ err, task_id: taskId }, 'canceling a task of a stopping sandbox failed'),
      );
    }
  }

  private uncount(sandboxId: string): void {
    const left = (this.waiting.get(sandboxId) ?? 1) - 1;
    if (left > 0) this.waiting.set(sandboxId, left);
    else this.waiting.delete(sandboxId);
  }

  /** Shutdown: running tasks are stopped (their group killed) and end as canceled. */
  async close(graceMs = 10_000): Promise<void> {
    this.closing = true;
    for (const abort of this.aborts.values()) abort.abort(new Error('the daemon is shutting down'));
    await Promise.race([
      Promise.allSettled([...this.tails.values()]),
      new Promise((r) => setTimeout(r, graceMs).unref()),
    ]);
  }

  /**
   * Runs `fn` alone in the sandbox's task line (a checkpoint restore), or refuses with 409
   * when a task runs or waits: checked and claimed without an await in between.
   */
  exclusive<T>(sandboxId: string, fn: () => Promise<T>): Promise<T> {
    if (this.busy(sandboxId)) {
      return Promise.reject(
        new PaddockError(
          'conflict',
          'a task is running or queued in this sandbox; cancel it first',
        ),
      );
    }
    this.waiting.set(sandboxId, (this.waiting.get(sandboxId) ?? 0) + 1);
    const run = (this.tails.get(sandboxId) ?? Promise.resolve()).then(fn);
    const tail: Promise<void> = run
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        this.uncount(sandboxId);
        if (this.tails.get(sandboxId) === tail) this.tails.delete(sandboxId);
      });
    this.tails.set(sandboxId, tail);
    return run;
  }

  /** True while a task of this sandbox runs or waits. */
  busy(sandboxId: string): boolean {
    return (this.waiting.get(sandboxId) ?? 0) > 0;
  }

  async get(owner: string, id: string): Promise<TaskRow> {
    const row = await this.o.store.get(owner, id);
    if (!row) throw new PaddockError('not_found', `no task ${id}`);
    return row;
  }

  /**
   * Of the owner's tasks among `ids`: whether each has finished, and the checkpoint it recorded
   * (null before it made one, or when it made none).
   */
  async checkpointsOf(
    owner: string,
    ids: string[],
  ): Promise<Map<string, { finished: boolean; checkpoint: string | null }>> {
    const rows = await this.o.store.getMany(owner, ids);
    return new Map(
      rows.map((row) => [
        row.id,
        {
          finished: !['queued', 'running'].includes(row.status),
          checkpoint: taskView(row).result?.checkpoint ?? null,
        },
      ]),
    );
  }

  async list(owner: string, sandboxId: string): Promise<TaskRow[]> {
    await this.o.sandboxes.get(owner, sandboxId);
    return this.o.store.listForSandbox(owner, sandboxId);
  }

  /** A queued task ends at once; a running one has its process group killed. */
  async cancel(owner: string, id: string): Promise<TaskRow> {
    const row = await this.get(owner, id);
    const ended = { status: 'canceled' as const, ended_at: new Date().toISOString() };
    if (
      row.status === 'queued' &&
      (await this.o.store.transition(id, 'queued', {
        ...ended,
        status_reason: 'canceled before it started',
      }))
    ) {
      this.aborts.get(id)?.abort();
      this.forget(id);
      const done = await this.get(owner, id);
      await this.announceEnd(done);
      return done;
    }
    // Running (or it just started): its run notices the abort and ends it as canceled.
    this.aborts.get(id)?.abort(new Error('canceled'));
    return this.get(owner, id);
  }

  private async run(id: string, owner: string): Promise<void> {
    const cancel = this.aborts.get(id) ?? new AbortController();
    const started = await this.claim(id, owner);
    if (!started) {
      this.forget(id);
      return;
    }
    this.o.sandboxes.begin(started.sandbox_id);
    try {
      this.o.logs.frame(id, { event: 'status', data: { status: 'running' } });
      failpoint('task.running');
      const end = await this.runOrRefuse(started, cancel.signal);
      await this.finish(started, end.status, end.reason, end.result);
    } finally {
      // Whatever happened above, followers get an end and the live log is let go.
      this.o.logs.close(id);
      await this.o.sandboxes.end(started.sandbox_id);
      this.forget(id);
    }
  }

  /** The run, unless its provider is gone or the spend limit was reached while it waited. */
  private async runOrRefuse(started: TaskRow, cancel: AbortSignal): Promise<TaskEnd> {
    const provider = this.o.providers.get(started.provider);
    if (!provider) {
      return { status: 'failed', reason: `no task provider "${started.provider}"`, result: null };
    }
    const sandbox = await this.o.sandboxes.get(started.owner_id, started.sandbox_id);
    const spendLimitUsd = await this.o.spend.left(started.owner_id, sandbox.app_id);
    if (spendLimitUsd !== undefined && spendLimitUsd <= 0) {
      return { status: 'failed', reason: "this month's spend limit was reached", result: null };
    }
    try {
      await this.o.taskStarting(started);
    } catch (err) {
      this.o.log.error({ err, task_id: started.id }, 'recording the task in the provenance failed');
      return { status: 'failed', reason: 'the task could not be recorded', result: null };
    }
    return runTask(this.hostFor(started), {
      taskId: started.id,
      provider,
      input: JSON.parse(started.input_json) as Record<string, unknown>,
      timeoutMs: started.timeout_seconds * 1000,
      cancel,
      ...(spendLimitUsd === undefined ? {} : { spendLimitUsd }),
    });
  }

  /** Only the winner of queued → running runs: a cancel that got there first ends it. */
  private async claim(id: string, owner: string): Promise<TaskRow | undefined> {
    const row = await this.o.store.get(owner, id);
    const started_at = new Date().toISOString();
    if (!row || !(await this.o.store.transition(id, 'queued', { status: 'running', started_at }))) {
      return undefined;
    }
    return { ...row, status: 'running', started_at };
  }

  /** The sandbox, its config and its logs, as a run of this task sees them. */
  private hostFor(row: TaskRow): TaskHost {
    return {
      connect: async () => (await this.o.sandboxes.agent(row.owner_id, row.sandbox_id)).client,
      toolDir: (tool) => this.o.tools.ensure(tool),
      configEnv: () => this.o.agentEnv(row.owner_id, row.sandbox_id),
      reloadManifest: async () => {
        await this.o.runtime.reload(await this.o.sandboxes.get(row.owner_id, row.sandbox_id));
        return this.o.runtime.state(row.sandbox_id).manifest;
      },
      log: (text) => this.o.logs.append(row.id, text),
      event: (type, message, payload) => this.event(row, type, message, payload),
      diff: (text) => fs.writeFileSync(this.o.logs.diffFile(row.id), text, { mode: 0o600 }),
    };
  }

  private async finish(
    row: TaskRow,
    status: TaskStatus,
    reason: string | null,
    result: TaskResult | null,
  ): Promise<TaskRow> {
    const ended = await this.o.store.update(row.id, {
      status,
      status_reason: reason,
      ended_at: new Date().toISOString(),
      result_json: result === null ? null : JSON.stringify(result),
      cost_usd: result?.usage?.cost_usd ?? null,
    });
    await this.announceEnd(ended);
    return ended;
  }

  /** The task.finished event, and the final frames for whoever follows the task. */
  private async announceEnd(ended: TaskRow): Promise<void> {
    const result =
      ended.result_json === null ? null : (JSON.parse(ended.result_json) as TaskResult);
    this.o.logs.frame(ended.id, { event: 'status', data: { status: ended.status } });
    this.o.logs.frame(ended.id, { event: 'result', data: taskView(ended) });
    this.o.logs.close(ended.id);
    await this.event(ended, 'task.finished', `Task ${ended.status}`, {
      status: ended.status,
      ...(result ? { exit_code: result.exit_code, build_status: result.build_status } : {}),
    });
  }

  private async event(
    row: TaskRow,
    type: string,
    message: string,
    payload: Record<string, unknown>,
  ): Promise<void> {
    await this.o.events.append({
      owner: row.owner_id,
      sandboxId: row.sandbox_id,
      type,
      message,
      payload: { task_id: row.id, ...payload },
    });
  }
}
