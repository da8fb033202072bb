import type { ChangedFile, TaskResult, TaskStatus, TaskUsage } from '@paddock/shared';
import { afterAgent, type AfterAgent } from './afterAgent.js';
import { baseline, changedFiles, commitTask, unifiedDiff } from './checkpoints.js';
import { runProvider, type ProviderRunRequest } from './providerRun.js';
import { taskVerdict } from './taskVerdict.js';
import type { TaskHost } from './taskWorkspace.js';

export interface TaskRunRequest extends ProviderRunRequest {
  /** Aborted when the task is canceled (or the daemon shuts down). */
  cancel: AbortSignal;
}

/** How a run ended: its status, why it failed, and what it did (null before a checkpoint). */
export interface TaskEnd {
  status: TaskStatus;
  reason: string | null;
  result: TaskResult | null;
}

/** Time a run gets beyond its provider's timeout: checkpoint, build check, restarts, health. */
const POST_STEPS_MS = 15 * 60_000;

/** What a run has done so far: kept in the result when a later step fails. */
interface RunProgress {
  t0: number;
  checkpoint: string | null;
  files: ChangedFile[];
  exit_code: number | null;
  usage: TaskUsage | null;
}

/** What ends a run: a cancel, the provider's timeout, and the whole run's. */
interface RunLimits {
  cancel: AbortSignal;
  provider: AbortSignal;
  run: AbortSignal;
}

/**
 * One task, start to end: the provider in the workspace, a checkpoint of what it changed, then
 * the build check, restarts and health its work is judged by. Never throws: a step that fails
 * ends the task failed (or canceled, or timed out), keeping what was done before it.
 */
export async function runTask(host: TaskHost, req: TaskRunRequest): Promise<TaskEnd> {
  const progress: RunProgress = {
    t0: performance.now(),
    checkpoint: null,
    files: [],
    exit_code: null,
    usage: null,
  };
  // Every step is bounded: the provider by its timeout, the whole run by that plus time for
  // the checkpoint, build and health, whatever the guest agent does or does not answer.
  const limits: RunLimits = {
    cancel: req.cancel,
    provider: AbortSignal.timeout(req.timeoutMs + 10_000),
    run: AbortSignal.timeout(req.timeoutMs + POST_STEPS_MS),
  };
  try {
    return await runSteps(host, req, progress, limits);
  } catch (err) {
    return endAfterError(host, err, progress, limits);
  }
}

/** The agent, its checkpoint, and the verdicts on its work. */
async function runSteps(
  host: TaskHost,
  req: TaskRunRequest,
  progress: RunProgress,
  limits: RunLimits,
): Promise<TaskEnd> {
  const stop = AbortSignal.any([limits.cancel, limits.run]);
  await host.event('task.started', 'Task started', {});
  const workspace = await host.connect();
  const base = await baseline(workspace, req.taskId, stop);
  const { outcome, usage } = await runProvider(
    host,
    workspace,
    req,
    AbortSignal.any([stop, limits.provider]),
  );
  progress.exit_code = outcome.exit_code;
  progress.usage = usage;
  await host.event('task.agent_finished', 'The agent finished', {
    ...outcome,
    ...(usage ? { usage } : {}),
  });
  const checkpoint = await commitTask(workspace, req.taskId, stop);
  progress.checkpoint = checkpoint;
  progress.files = await changedFiles(workspace, base, checkpoint, stop);
  host.diff((await unifiedDiff(workspace, base, checkpoint, stop)).diff);
  await host.event('task.checkpoint', 'Checkpoint committed', {
    checkpoint,
    files_changed: progress.files.length,
  });
  const stopped = ['canceled', 'timed_out', 'over_budget'].includes(outcome.state);
  const after: AfterAgent = stopped
    ? { build_status: 'skipped', app_healthy: false }
    : await afterAgent(host, workspace, stop);
  const result: TaskResult = {
    exit_code: outcome.exit_code,
    build_status: after.build_status,
    ...(after.preview_ok !== undefined ? { preview_ok: after.preview_ok } : {}),
    app_healthy: after.app_healthy,
    files_changed: progress.files,
    checkpoint,
    duration_ms: Math.round(performance.now() - progress.t0),
    ...(usage ? { usage } : {}),
  };
  return { ...taskVerdict(limits.cancel.aborted, outcome, after.build_status), result };
}

/** A run that threw ends canceled, timed out or failed; what was done is kept. */
function endAfterError(
  host: TaskHost,
  err: unknown,
  progress: RunProgress,
  limits: RunLimits,
): TaskEnd {
  // A checkpoint made before the failure is still reported.
  const result: TaskResult | null =
    progress.checkpoint === null
      ? null
      : {
          exit_code: progress.exit_code,
          build_status: 'skipped',
          app_healthy: false,
          files_changed: progress.files,
          checkpoint: progress.checkpoint,
          duration_ms: Math.round(performance.now() - progress.t0),
          ...(progress.usage ? { usage: progress.usage } : {}),
        };
  if (limits.cancel.aborted) return { status: 'canceled', reason: null, result };
  if (limits.run.aborted) {
    return { status: 'timed_out', reason: 'the task overran its time', result };
  }
  const message = err instanceof Error ? err.message : String(err);
  host.log(`\n[paddock] the task failed: ${message}\n`);
  return { status: 'failed', reason: message.slice(0, 500), result };
}
