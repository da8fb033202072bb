import fs from 'node:fs';
import type { FastifyBaseLogger } from 'fastify';
import type { TaskProvider } from '@paddock/agents';
import type { AgentClient } from '@paddock/guest-agent';
import {
  PaddockError,
  type ChangedFile,
  type CreateTaskBody,
  type TaskResult,
  type TaskStatus,
} from '@paddock/shared';
import type { EventLog } from '../events/eventLog.js';
import type { RuntimeService } from '../processes/runtimeService.js';
import type { SandboxService } from '../sandboxes/sandboxService.js';
import type { SettingsStore } from '../settings/settingsStore.js';
import { judgeHealth } from './appHealth.js';
import { baseline, changedFiles, commitTask, unifiedDiff } from './checkpoints.js';
import type { TaskLogs } from './taskLog.js';
import { taskView, type TaskRow, type TaskStore } from './taskStore.js';
import { taskVerdict, type AgentOutcome } from './taskVerdict.js';

export interface TaskServiceOptions {
  /** By name; `command` and the agent CLIs. */
  providers: ReadonlyMap<string, TaskProvider>;
  /** Where agent CLIs are installed, and how a host path there is seen inside a sandbox. */
  tools: { ensure(tool: string): Promise<string> };
  store: TaskStore;
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
}

/** Time a run gets beyond its provider's timeout: checkpoint, build check, restarts, health. */
const POST_STEPS_MS = 15 * 60_000;

/** What a run has done so far: kept in the result when a later step fails. */
interface RunProgress {
  t0: number;
  checkpoint: string | null;
  files: ChangedFile[];
  exit_code: number | null;
}

/** What ends a run: a cancel, the provider's timeout, and the whole run's. */
interface RunLimits {
  cancel: AbortSignal;
  provider: AbortSignal;
  run: AbortSignal;
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
    await this.o.sandboxes.agent(owner, sandboxId);
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
      this.aborts.delete(id);
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
      this.aborts.delete(id);
      return;
    }
    const progress: RunProgress = {
      t0: performance.now(),
      checkpoint: null,
      files: [],
      exit_code: null,
    };
    // Every step is bounded: the provider by its timeout, the whole run by that plus time for
    // the checkpoint, build and health, whatever the guest agent does or does not answer.
    const limits: RunLimits = {
      cancel: cancel.signal,
      provider: AbortSignal.timeout(started.timeout_seconds * 1000 + 10_000),
      run: AbortSignal.timeout(started.timeout_seconds * 1000 + POST_STEPS_MS),
    };
    this.o.sandboxes.begin(started.sandbox_id);
    try {
      await this.runSteps(owner, started, progress, limits);
    } catch (err) {
      await this.endAfterError(started, err, progress, limits);
    } finally {
      // Whatever happened above, followers get an end and the live log is let go.
      this.o.logs.close(id);
      await this.o.sandboxes.end(started.sandbox_id);
      this.aborts.delete(id);
    }
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

  /** The agent, its checkpoint, the verdicts on its work, and the task's end with them. */
  private async runSteps(
    owner: string,
    started: TaskRow,
    progress: RunProgress,
    limits: RunLimits,
  ): Promise<void> {
    const id = started.id;
    const stop = AbortSignal.any([limits.cancel, limits.run]);
    this.o.logs.frame(id, { event: 'status', data: { status: 'running' } });
    await this.event(started, 'task.started', 'Task started', {});
    const { client } = await this.o.sandboxes.agent(owner, started.sandbox_id);
    const base = await baseline(client, id, stop);
    const outcome = await this.runProvider(
      client,
      started,
      AbortSignal.any([stop, limits.provider]),
    );
    progress.exit_code = outcome.exit_code;
    await this.event(started, 'task.agent_finished', 'The agent finished', { ...outcome });
    const checkpoint = await commitTask(client, id, stop);
    progress.checkpoint = checkpoint;
    progress.files = await changedFiles(client, base, checkpoint, stop);
    const { diff } = await unifiedDiff(client, base, checkpoint, stop);
    fs.writeFileSync(this.o.logs.diffFile(id), diff, { mode: 0o600 });
    await this.event(started, 'task.checkpoint', 'Checkpoint committed', {
      checkpoint,
      files_changed: progress.files.length,
    });
    const stopped = outcome.state === 'canceled' || outcome.state === 'timed_out';
    const after = stopped
      ? { build_status: 'skipped' as const, app_healthy: false }
      : await this.afterAgent(client, started, stop);
    const result: TaskResult = {
      exit_code: outcome.exit_code,
      build_status: after.build_status,
      ...('preview_ok' in after && after.preview_ok !== undefined
        ? { preview_ok: after.preview_ok }
        : {}),
      app_healthy: after.app_healthy,
      files_changed: progress.files,
      checkpoint,
      duration_ms: Math.round(performance.now() - progress.t0),
    };
    const { status, reason } = taskVerdict(limits.cancel.aborted, outcome, after.build_status);
    await this.finish(started, status, reason, result);
  }

  /** A run that threw ends canceled, timed out or failed; what was done is kept. */
  private async endAfterError(
    started: TaskRow,
    err: unknown,
    progress: RunProgress,
    limits: RunLimits,
  ): Promise<void> {
    const message = err instanceof Error ? err.message : String(err);
    // A checkpoint made before the failure is still reported.
    const partial: TaskResult | null =
      progress.checkpoint === null
        ? null
        : {
            exit_code: progress.exit_code,
            build_status: 'skipped',
            app_healthy: false,
            files_changed: progress.files,
            checkpoint: progress.checkpoint,
            duration_ms: Math.round(performance.now() - progress.t0),
          };
    if (limits.cancel.aborted) {
      await this.finish(started, 'canceled', null, partial).catch(() => undefined);
    } else if (limits.run.aborted) {
      await this.finish(started, 'timed_out', 'the task overran its time', partial).catch(
        () => undefined,
      );
    } else {
      this.o.logs.append(started.id, `\n[paddock] the task failed: ${message}\n`);
      await this.finish(started, 'failed', message.slice(0, 500), partial).catch(() => undefined);
    }
  }

  /** The provider's command in the workspace; its output, parsed, into the task log. */
  private async runProvider(
    client: AgentClient,
    row: TaskRow,
    signal: AbortSignal,
  ): Promise<AgentOutcome> {
    const provider = this.o.providers.get(row.provider);
    if (!provider) throw new PaddockError('bad_request', `no task provider "${row.provider}"`);
    const input = JSON.parse(row.input_json) as Record<string, unknown>;
    const toolPath = provider.tool
      ? `${await this.o.tools.ensure(provider.tool.tool)}/${provider.tool.bin}`
      : null;
    const run = provider.run(input, { taskId: row.id, toolPath });
    // The provider's own variables win over config: a config key cannot move a CLI's state.
    const env = { ...(await this.o.agentEnv(row.owner_id, row.sandbox_id)), ...run.env };
    const keyVariable = provider.keyVariable?.(input);
    if (keyVariable !== undefined && env[keyVariable] === undefined) {
      this.o.logs.append(
        row.id,
        `[paddock] this app's agent config has no ${keyVariable}: add it as a sensitive value ` +
          `with access_policy agent_access and an injection rule for the model API's host.\n`,
      );
    }
    const log = (text: string): void => this.o.logs.append(row.id, text);
    let outcome: AgentOutcome = { exit_code: null, state: 'killed' };
    try {
      for await (const frame of client.execStream(
        {
          argv: run.argv,
          env,
          timeout_ms: row.timeout_seconds * 1000,
        },
        signal,
      )) {
        if (frame.event === 'stdout') log(run.parser.push(frame.data.text));
        else if (frame.event === 'stderr') log(frame.data.text);
        else if (frame.event === 'exit') {
          outcome = { exit_code: frame.data.exit_code, state: frame.data.state };
        } else if (frame.event === 'error') {
          throw new PaddockError('agent_error', frame.data.message);
        }
      }
    } catch (err) {
      if (!signal.aborted) throw err;
    } finally {
      log(run.parser.end());
    }
    // Hanging up the stream makes the agent kill the process group. A limit that fired on the
    // daemon's side (the agent did not enforce the timeout) is a timeout too.
    if (signal.aborted) {
      const reason = signal.reason as Error | undefined;
      return {
        exit_code: null,
        state: reason?.name === 'TimeoutError' ? 'timed_out' : 'canceled',
      };
    }
    return outcome;
  }

  /** Build check, restarts, health: what a finished agent's work is judged by. */
  private async afterAgent(
    client: AgentClient,
    row: TaskRow,
    signal: AbortSignal,
  ): Promise<{
    build_status: TaskResult['build_status'];
    app_healthy: boolean;
    preview_ok?: boolean;
  }> {
    // The task may have changed sandbox.yaml: what runs and is built follows the new one.
    await this.o.runtime.reload(await this.o.sandboxes.get(row.owner_id, row.sandbox_id));
    const manifest = this.o.runtime.state(row.sandbox_id).manifest;
    const build = manifest?.build;
    let build_status: TaskResult['build_status'] = 'skipped';
    if (build && build.command.trim() !== '') {
      this.o.logs.append(row.id, `\n[paddock] build: ${build.command}\n`);
      let exit: number | null = null;
      for await (const frame of client.execStream(
        { command: build.command, timeout_ms: build.timeout_seconds * 1000 },
        signal,
      )) {
        if (frame.event === 'stdout' || frame.event === 'stderr') {
          this.o.logs.append(row.id, frame.data.text);
        } else if (frame.event === 'exit') {
          exit = frame.data.state === 'exited' ? frame.data.exit_code : null;
        }
      }
      build_status = exit === 0 ? 'passed' : 'failed';
    }
    await this.event(row, 'task.build', `Build check ${build_status}`, { build_status });
    const restart = [
      ...(manifest?.web?.restart_after_task ? ['web'] : []),
      ...(manifest?.workers.filter((w) => w.restart_after_task).map((w) => w.name) ?? []),
    ];
    for (const name of restart) await client.restartSupervised(name, signal);
    if (restart.length > 0) {
      await this.event(row, 'task.restarted', 'Processes restarted after the task', {
        processes: restart,
      });
    }
    const web = manifest?.web
      ? { port: manifest.web.port, health_path: manifest.web.health_path }
      : undefined;
    const verdict = await judgeHealth(client, web, signal);
    await this.event(row, 'task.health', verdict.app_healthy ? 'App healthy' : 'App unhealthy', {
      ...verdict,
    });
    return { build_status, ...verdict };
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
