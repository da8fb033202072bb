import { useMemo, useState } from 'react';
import type { Checkpoint, Task } from '@paddock/shared';
import { useCheckpoints, useForkCheckpoint, useRestoreCheckpoint } from '../../api/checkpoints.js';
import { useTasks } from '../../api/tasks.js';
import { ActionDialog } from '../../components/ActionDialog.js';
import { CheckpointEntry } from '../../components/checkpoints/CheckpointEntry.js';
import { RestoreCheckpointForm } from '../../components/checkpoints/RestoreCheckpointForm.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { ForkNameForm, forkName } from '../../components/ForkNameForm.js';
import { Link } from '../../components/Link.js';
import { checkpointSummary, shortSha } from '../../lib/checkpointWords.js';
import { isTaskLive } from '../../lib/taskStatus.js';
import { navigate } from '../../router/navigation.js';
import { paths } from '../../router/routes.js';
import type { AppTabProps } from './appTab.js';
import { NoSandbox } from './NoSandbox.js';
import '../../styles/history.css';

type Action = { kind: 'restore' | 'fork'; checkpoint: Checkpoint } | null;

/** Every checkpoint of the app's workspace, newest first: restore one, or fork a new app. */
export function CheckpointsTab({ app }: AppTabProps) {
  return (
    <section
      className="panel"
      aria-labelledby="checkpoints-title"
      data-app={app.id}
      data-testid="checkpoints"
    >
      <h2 id="checkpoints-title">Checkpoints</h2>
      {app.sandbox ? (
        <CheckpointTimeline
          app={app}
          sandboxId={app.sandbox.id}
          live={app.sandbox.status === 'running'}
        />
      ) : (
        <NoSandbox what="its checkpoints cannot be read" />
      )}
    </section>
  );
}

function CheckpointTimeline({
  app,
  sandboxId,
  live,
}: AppTabProps & { sandboxId: string; live: boolean }) {
  const list = useCheckpoints(app.id, live);
  const tasks = useTasks(sandboxId);
  const restore = useRestoreCheckpoint(app.id);
  const fork = useForkCheckpoint(app.id);
  const [action, setAction] = useState<Action>(null);

  const byId = useMemo(
    () => new Map<string, Task>((tasks.data ?? []).map((t) => [t.id, t])),
    [tasks.data],
  );
  const items = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  const taskBusy = tasks.data?.some((t) => isTaskLive(t.status)) ?? false;
  const taskOf = (c: Checkpoint) => (c.task_id ? byId.get(c.task_id) : undefined);

  function open(kind: 'restore' | 'fork', checkpoint: Checkpoint): void {
    restore.reset();
    fork.reset();
    setAction({ kind, checkpoint });
  }
  const close = () => setAction(null);
  const pending = restore.isPending || fork.isPending;

  if (list.isPending) {
    return (
      <p className="history-progress" role="status">
        <span className="spinner" aria-hidden="true" /> Reading the workspace&apos;s history (the
        sandbox is woken if it sleeps)…
      </p>
    );
  }
  if (list.isError && items.length === 0) {
    return (
      <div className="stack">
        <ErrorNotice error={list.error} title="Could not read the checkpoints" />
        <button type="button" className="button-quiet" onClick={() => void list.refetch()}>
          Try again
        </button>
      </div>
    );
  }

  const target = action?.checkpoint;
  const newer = target ? items.findIndex((c) => c.sha === target.sha) : 0;

  return (
    <>
      <p className="muted small">
        Every task saves the workspace as a checkpoint. Restoring one adds a new checkpoint on top,
        so nothing is lost.
      </p>
      {list.isError && (
        <ErrorNotice error={list.error} title="Could not refresh; showing the last known list" />
      )}
      {restore.isSuccess && action === null && (
        <p className="notice notice-ok" role="status" data-testid="checkpoint-restored">
          Restored: the app&apos;s files now match checkpoint{' '}
          <code>{shortSha(restore.data.restored)}</code> (saved as{' '}
          <code>{shortSha(restore.data.checkpoint)}</code>).
        </p>
      )}
      {items.length === 0 ? (
        <p className="empty" data-testid="checkpoints-empty">
          No checkpoints yet: run a task on the{' '}
          <Link to={paths.app(app.id, 'build')}>Build tab</Link>.
        </p>
      ) : (
        <ol className="checkpoint-timeline" aria-label="Checkpoints, newest first">
          {items.map((c) => (
            <CheckpointEntry
              key={c.sha}
              checkpoint={c}
              task={taskOf(c)}
              onRestore={(checkpoint) => open('restore', checkpoint)}
              onFork={(checkpoint) => open('fork', checkpoint)}
            />
          ))}
        </ol>
      )}
      {list.hasNextPage && (
        <button
          type="button"
          className="button-quiet history-more"
          data-testid="checkpoints-more"
          disabled={list.isFetchingNextPage}
          onClick={() => void list.fetchNextPage()}
        >
          {list.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      )}
      <ActionDialog
        open={action?.kind === 'restore'}
        title={target ? `Restore checkpoint ${shortSha(target.sha)}?` : 'Restore checkpoint?'}
        busy={pending}
        onClose={close}
        testId="checkpoint-restore-dialog"
      >
        {target && (
          <RestoreCheckpointForm
            checkpoint={target}
            summary={checkpointSummary(target, taskOf(target))}
            newer={Math.max(newer, 0)}
            taskBusy={taskBusy}
            pending={restore.isPending}
            error={restore.error}
            onRestore={() => restore.mutate(target.sha, { onSuccess: close })}
            onCancel={close}
          />
        )}
      </ActionDialog>
      <ActionDialog
        open={action?.kind === 'fork'}
        title="Fork to a new app"
        busy={pending}
        onClose={close}
        testId="checkpoint-fork-dialog"
      >
        {target && (
          <ForkNameForm
            suggested={forkName(app)}
            from={`checkpoint ${shortSha(target.sha)}, with its history`}
            pending={fork.isPending}
            error={fork.error}
            onFork={(name) =>
              fork.mutate(
                { sha: target.sha, name },
                { onSuccess: (created) => navigate(paths.app(created.id)) },
              )
            }
            onCancel={close}
          />
        )}
      </ActionDialog>
    </>
  );
}
