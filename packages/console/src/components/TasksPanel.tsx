import { useRef, useState } from 'react';
import type { SandboxDetail, Task } from '@paddock/shared';
import { useTasks } from '../api/tasks.js';
import { isTaskLive } from '../lib/taskStatus.js';
import { ErrorNotice } from './ErrorNotice.js';
import { TaskComposer } from './TaskComposer.js';
import { TaskHistory } from './TaskHistory.js';
import { TaskRun } from './TaskRun.js';

interface TasksPanelProps {
  appId: string;
  sandbox: SandboxDetail;
}

/**
 * Building the app with an agent: the composer, the task being watched (live output, then its
 * verdict and diff) and the app's task history, each entry of which opens that task.
 */
export function TasksPanel({ appId, sandbox }: TasksPanelProps) {
  const tasks = useTasks(sandbox.id);
  // The task opened by the person; until then, the newest one.
  const [chosen, setChosen] = useState<Task | null>(null);
  const list = tasks.data ?? [];
  const current = (chosen && list.find((t) => t.id === chosen.id)) ?? chosen ?? list[0] ?? null;
  const busy = list.some((t) => isTaskLive(t.status));
  const taskHeading = useRef<HTMLHeadingElement>(null);

  function started(task: Task): void {
    setChosen(task);
    // Its output shows in the task panel: bring that into view, leaving focus in the composer.
    requestAnimationFrame(() => taskHeading.current?.scrollIntoView({ block: 'nearest' }));
  }

  function open(task: Task): void {
    setChosen(task);
    // Keyboard and screen reader users land on what they opened.
    const heading = taskHeading.current;
    heading?.focus({ preventScroll: true });
    heading?.scrollIntoView({ block: 'nearest' });
  }

  return (
    <div className="tasks-column">
      <section className="panel" aria-labelledby="compose-title">
        <div className="panel-header">
          <h2 id="compose-title">Build with an agent</h2>
        </div>
        <TaskComposer
          appId={appId}
          sandboxId={sandbox.id}
          running={sandbox.status === 'running'}
          busy={busy}
          onStarted={started}
        />
      </section>

      <section className="panel" aria-labelledby="task-title" data-testid="task-panel">
        <div className="panel-header">
          <h2 id="task-title" ref={taskHeading} tabIndex={-1}>
            Task
          </h2>
        </div>
        {current ? (
          <TaskRun key={current.id} appId={appId} task={current} sandboxBusy={busy} />
        ) : tasks.isPending ? (
          <p className="muted" role="status">
            Loading the app&apos;s tasks…
          </p>
        ) : (
          <p className="empty" data-testid="tasks-empty">
            Describe a change and run your first task: its output shows here as it happens, then
            what it changed.
          </p>
        )}
      </section>

      <section className="panel" aria-labelledby="history-title">
        <div className="panel-header">
          <h2 id="history-title">History</h2>
          {list.length > 0 && (
            <span className="muted small">
              {list.length} task{list.length === 1 ? '' : 's'}
            </span>
          )}
        </div>
        {tasks.isError && (
          <ErrorNotice
            error={tasks.error}
            title={tasks.data ? 'Could not refresh the task history' : 'Could not load the tasks'}
          />
        )}
        {list.length > 0 ? (
          <TaskHistory tasks={list} selected={current?.id ?? null} onOpen={open} />
        ) : (
          !tasks.isPending && !tasks.isError && <p className="muted">No tasks yet.</p>
        )}
      </section>
    </div>
  );
}
