import type { Task } from '@paddock/shared';
import { TASK_STATUS_LABEL, TASK_STATUS_TONE, taskSummary } from '../lib/taskStatus.js';
import { fullTime, timeAgo } from '../lib/time.js';
import { StatusBadge } from './StatusBadge.js';
import { TaskVerdict } from './TaskVerdict.js';

interface TaskHistoryProps {
  tasks: readonly Task[];
  selected: string | null;
  onOpen: (task: Task) => void;
}

/** The app's tasks, newest first; each opens its stream, verdict and diff. */
export function TaskHistory({ tasks, selected, onOpen }: TaskHistoryProps) {
  return (
    <ol className="task-history" data-testid="task-history">
      {tasks.map((task) => {
        const summary = taskSummary(task);
        return (
          <li key={task.id}>
            <button
              type="button"
              className="task-history-item"
              data-testid="task-history-item"
              data-task={task.id}
              data-status={task.status}
              aria-current={task.id === selected ? 'true' : undefined}
              onClick={() => onOpen(task)}
            >
              <span className="task-history-head">
                <StatusBadge tone={TASK_STATUS_TONE[task.status]}>
                  {TASK_STATUS_LABEL[task.status]}
                </StatusBadge>
                <span className="muted small">
                  {task.provider} ·{' '}
                  <span title={fullTime(task.created_at)}>{timeAgo(task.created_at)}</span>
                </span>
              </span>
              <span className="task-history-summary">
                {summary || <span className="muted">(no prompt)</span>}
              </span>
            </button>
            <TaskVerdict task={task} compact />
          </li>
        );
      })}
    </ol>
  );
}
