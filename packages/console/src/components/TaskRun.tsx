import type { Task } from '@paddock/shared';
import { errorMessage } from '../api/client.js';
import { useCancelTask } from '../api/tasks.js';
import { useNow } from '../hooks/useNow.js';
import { useTaskStream, type TaskStreamState } from '../hooks/useTaskStream.js';
import {
  describeTaskEnd,
  formatClock,
  isTaskLive,
  TASK_STATUS_LABEL,
  TASK_STATUS_TONE,
} from '../lib/taskStatus.js';
import { DAEMON_STOPPING_TEXT } from '../lib/daemonStopping.js';
import { fullTime, timeAgo } from '../lib/time.js';
import { ErrorNotice } from './ErrorNotice.js';
import { RestoreTaskAction } from './RestoreTaskAction.js';
import { StatusBadge } from './StatusBadge.js';
import { TaskDiff } from './TaskDiff.js';
import { TaskLog } from './TaskLog.js';
import { TaskVerdict } from './TaskVerdict.js';

interface TaskRunProps {
  appId: string;
  /** The task as last listed; its stream keeps it current. */
  task: Task;
  /** Some task of the sandbox is queued or running (restores wait for it). */
  sandboxBusy: boolean;
}

const STREAM_NOTE: Partial<Record<TaskStreamState, string>> = {
  connecting: 'Connecting to the task’s output…',
  reconnecting: 'The connection to the task’s output broke; reconnecting…',
  stopping: `${DAEMON_STOPPING_TEXT} The task goes on.`,
};

/** One task: what it was asked, its live output, cancel, and once it ends its verdict and diff. */
export function TaskRun({ appId, task: listed, sandboxBusy }: TaskRunProps) {
  // The stream is the fast path; the task list, polled while a task is live, the fallback.
  const stream = useTaskStream(listed.id, listed.sandbox_id, appId);
  const cancel = useCancelTask();
  const latest = stream.result ?? listed;
  // Whichever says first that the task ended is right (a broken stream keeps its last word).
  const streamed = stream.result?.status ?? stream.status;
  const status =
    streamed && !isTaskLive(streamed)
      ? streamed
      : !isTaskLive(listed.status)
        ? listed.status
        : (streamed ?? listed.status);
  const live = isTaskLive(status);
  const ended = live ? null : latest.result !== null || !isTaskLive(latest.status) ? latest : null;
  const now = useNow(live);
  const startedAt = latest.started_at ? Date.parse(latest.started_at) : null;
  const input = latest.input.prompt ?? latest.input.script ?? '';

  // The live region says what changed; the ticking clock stays out of it.
  let progress: string;
  if (status === 'queued') progress = 'Queued: waiting for the task before it to finish…';
  else if (status === 'running') progress = 'Running…';
  else if (ended) progress = describeTaskEnd(ended);
  else progress = `${TASK_STATUS_LABEL[status]}.`;
  const clock =
    status === 'running' && startedAt !== null ? formatClock((now - startedAt) / 1000) : null;

  return (
    <article className="task-run" data-testid="task-run" data-task={listed.id} data-status={status}>
      <div className="task-run-header">
        <StatusBadge tone={TASK_STATUS_TONE[status]}>{TASK_STATUS_LABEL[status]}</StatusBadge>
        <span className="muted small">
          {latest.provider} · created{' '}
          <span title={fullTime(latest.created_at)}>{timeAgo(latest.created_at)}</span>
        </span>
        {live && (
          <button
            type="button"
            className="button-quiet button-cancel"
            data-testid="task-cancel"
            // Until the stream says the task ended, a cancel asked for is under way.
            disabled={cancel.isPending || cancel.isSuccess}
            onClick={() => cancel.mutate(listed.id)}
          >
            {cancel.isPending || cancel.isSuccess ? 'Canceling…' : 'Cancel task'}
          </button>
        )}
      </div>
      {input && (
        <details className="task-input">
          <summary>{latest.input.script !== undefined ? 'Script' : 'Prompt'}</summary>
          <pre>{input}</pre>
        </details>
      )}
      <p className="task-progress" data-testid="task-status">
        {live && <span className="spinner" aria-hidden="true" />}
        <span role="status">{progress}</span>
        {clock && (
          <span className="task-clock" title="Time since the task started">
            {clock}
          </span>
        )}
      </p>
      {cancel.isError && <ErrorNotice error={cancel.error} title="Could not cancel the task" />}
      {STREAM_NOTE[stream.state] && (
        <p className="muted small" role="status">
          {STREAM_NOTE[stream.state]}
        </p>
      )}
      {stream.state === 'failed' && (
        <div className="notice notice-error" role="alert">
          <strong>Lost the task’s output: </strong>
          {stream.error ? errorMessage(stream.error) : 'the stream kept breaking.'}{' '}
          {live && 'The task itself goes on; its status above is still polled. '}
          <button type="button" className="link-button" onClick={stream.retry}>
            Reconnect
          </button>
        </div>
      )}
      {stream.trimmed && (
        <p className="muted small">Older output was dropped; showing the last ~200 KB.</p>
      )}
      <TaskLog
        text={stream.text}
        label={`Output of task ${listed.id}`}
        empty={
          stream.state === 'connecting'
            ? 'Connecting…'
            : live
              ? 'No output yet.'
              : 'This task wrote no output.'
        }
      />
      {ended && (
        <>
          <div className="task-verdict-row">
            <TaskVerdict task={ended} />
            <RestoreTaskAction appId={appId} task={ended} busy={sandboxBusy} />
          </div>
          <TaskDiff task={ended} />
        </>
      )}
    </article>
  );
}
