// What the console says about a task: its status, and the verdict its result records. Only
// what the daemon reported; nothing is inferred from the log.
import type { Task, TaskStatus } from '@paddock/shared';
import type { Tone } from './appStatus.js';

export const TASK_STATUS_LABEL: Record<TaskStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  canceled: 'Canceled',
  timed_out: 'Timed out',
};

export const TASK_STATUS_TONE: Record<TaskStatus, Tone> = {
  queued: 'busy',
  running: 'busy',
  succeeded: 'ok',
  failed: 'bad',
  canceled: 'idle',
  timed_out: 'bad',
};

export function isTaskLive(status: TaskStatus): boolean {
  return status === 'queued' || status === 'running';
}

export interface VerdictBadge {
  /** Stable, for tests and keys: build, preview, health, files, duration, exit, cost. */
  id: string;
  label: string;
  tone: Tone;
}

/** 1.2 s, 42 s, 3 min 5 s, 1 h 2 min. */
export function formatDuration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** 0:07, 12:40, 1:02:03: a running task's clock. */
export function formatClock(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = String(s % 60).padStart(2, '0');
  return hours > 0
    ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}`
    : `${minutes}:${seconds}`;
}

/** The verdict of a finished task, as badges; none before it has a result. */
export function verdictBadges(task: Task): VerdictBadge[] {
  const r = task.result;
  if (!r) return [];
  const badges: VerdictBadge[] = [];
  badges.push({
    id: 'build',
    label: `Build ${r.build_status}`,
    tone: r.build_status === 'passed' ? 'ok' : r.build_status === 'failed' ? 'bad' : 'idle',
  });
  if (r.preview_ok !== undefined) {
    badges.push({
      id: 'preview',
      label: r.preview_ok ? 'Preview ok' : 'Preview down',
      tone: r.preview_ok ? 'ok' : 'bad',
    });
  }
  badges.push({
    id: 'health',
    label: r.app_healthy ? 'App healthy' : 'App unhealthy',
    tone: r.app_healthy ? 'ok' : 'bad',
  });
  const files = r.files_changed.length;
  badges.push({
    id: 'files',
    label: `${files} file${files === 1 ? '' : 's'} changed`,
    tone: files > 0 ? 'ok' : 'idle',
  });
  badges.push({ id: 'duration', label: formatDuration(r.duration_ms), tone: 'idle' });
  if (r.exit_code !== null && r.exit_code !== 0) {
    badges.push({ id: 'exit', label: `Exit code ${r.exit_code}`, tone: 'bad' });
  }
  if (r.usage?.cost_usd !== undefined && r.usage.cost_usd !== null) {
    badges.push({ id: 'cost', label: `$${r.usage.cost_usd.toFixed(4)}`, tone: 'idle' });
  }
  return badges;
}

/** One sentence for screen readers and the live region: "Task succeeded: build passed, ...". */
export function describeTaskEnd(task: Task): string {
  const status = TASK_STATUS_LABEL[task.status].toLowerCase();
  const badges = verdictBadges(task).filter((b) => b.id !== 'duration');
  const reason = task.status_reason ? ` (${task.status_reason})` : '';
  const verdict =
    badges.length > 0 ? `: ${badges.map((b) => b.label.toLowerCase()).join(', ')}` : '';
  return `Task ${status}${reason}${verdict}.`;
}

/** The task's prompt or script, for the history list: its first line, shortened. */
export function taskSummary(task: Task, max = 120): string {
  const text = task.input.prompt ?? task.input.script ?? '';
  const first = text.trim().split('\n')[0] ?? '';
  return first.length > max ? `${first.slice(0, max - 1)}…` : first;
}
