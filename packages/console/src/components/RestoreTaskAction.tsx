import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { Task } from '@paddock/shared';
import { ApiError } from '../api/client.js';
import { queryKeys } from '../api/queryKeys.js';
import { findTaskParent, useRestoreCheckpoint } from '../api/checkpoints.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { ErrorNotice } from './ErrorNotice.js';

interface RestoreTaskActionProps {
  appId: string;
  task: Task;
  /** A task runs or waits in the sandbox: a restore would be refused until it ends. */
  busy: boolean;
}

const short = (sha: string) => sha.slice(0, 12);

/**
 * "Restore to before this task": the workspace returns to the checkpoint the task started
 * from, as a new commit on top (what is there now is kept as a checkpoint first). Asks first,
 * saying what will be replaced.
 */
export function RestoreTaskAction({ appId, task, busy }: RestoreTaskActionProps) {
  const checkpoint = task.result?.checkpoint ?? null;
  const files = task.result?.files_changed ?? [];
  const [open, setOpen] = useState(false);
  const restore = useRestoreCheckpoint(appId);
  const parent = useQuery({
    queryKey: queryKeys.checkpointParent(appId, checkpoint ?? ''),
    queryFn: () => findTaskParent(appId, checkpoint!),
    enabled: open && checkpoint !== null,
    staleTime: 0,
    gcTime: 0,
    retry: false,
  });

  if (checkpoint === null || files.length === 0) return null;

  const target = parent.data ?? null;
  const conflict = restore.error instanceof ApiError && restore.error.status === 409;

  return (
    <div className="restore-action">
      <button
        type="button"
        className="button-quiet"
        data-testid="restore-task"
        onClick={() => {
          restore.reset();
          setOpen(true);
        }}
      >
        Restore to before this task…
      </button>
      {restore.isSuccess && !open && (
        <p className="small" role="status" data-testid="restore-done">
          Restored: the app&apos;s files now match checkpoint{' '}
          <code>{short(restore.data.restored)}</code> (saved as{' '}
          <code>{short(restore.data.checkpoint)}</code>).
        </p>
      )}
      <ConfirmDialog
        open={open}
        title="Restore to before this task?"
        confirmLabel="Restore"
        pendingLabel="Restoring…"
        pending={restore.isPending}
        error={restore.isError ? restore.error : null}
        errorTitle={conflict ? 'Could not restore now' : 'Could not restore'}
        testId="restore-dialog"
        confirmTestId="restore-confirm"
        confirmDisabled={target === null || busy}
        onConfirm={() => target && restore.mutate(target.sha, { onSuccess: () => setOpen(false) })}
        onClose={() => setOpen(false)}
      >
        {parent.isPending ? (
          <p role="status">Finding the checkpoint before this task…</p>
        ) : parent.isError ? (
          <ErrorNotice error={parent.error} title="Could not read the app's checkpoints" />
        ) : target === null ? (
          <p>
            This task&apos;s checkpoint is no longer in the app&apos;s history, so there is nothing
            to return to.
          </p>
        ) : (
          <>
            <p>
              The app&apos;s files return to how they were before this task ran (checkpoint{' '}
              <code>{short(target.sha)}</code>). This replaces what the task changed in{' '}
              {files.length === 1 ? 'one file' : `${files.length} files`}:
            </p>
            <ul className="plain-list">
              {files.slice(0, 8).map((f) => (
                <li key={f.path}>
                  <code>{f.path}</code>
                </li>
              ))}
              {files.length > 8 && <li>and {files.length - 8} more</li>}
            </ul>
            {target.later > 0 && (
              <p className="notice notice-warn">
                {target.later === 1
                  ? 'One checkpoint came after this task (a later task or restore); its changes are replaced too.'
                  : `${target.later} checkpoints came after this task (later tasks or restores); their changes are replaced too.`}
              </p>
            )}
            <p className="muted small">
              What is there now is saved as a checkpoint first, so this can be undone. Files git
              does not track (node_modules, caches) are left alone.
            </p>
          </>
        )}
        {busy && (
          <p className="notice notice-warn">
            A task is running or waiting in this app: cancel it or let it finish first.
          </p>
        )}
      </ConfirmDialog>
    </div>
  );
}
