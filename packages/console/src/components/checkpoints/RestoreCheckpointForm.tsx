import type { Checkpoint } from '@paddock/shared';
import { ApiError } from '../../api/client.js';
import { shortSha } from '../../lib/checkpointWords.js';
import { ErrorNotice } from '../ErrorNotice.js';

interface RestoreCheckpointFormProps {
  checkpoint: Checkpoint;
  summary: string;
  /** Checkpoints newer than this one: their changes go too. */
  newer: number;
  /** A task runs or waits in the sandbox: the daemon would refuse until it ends. */
  taskBusy: boolean;
  pending: boolean;
  error: unknown;
  onRestore: () => void;
  onCancel: () => void;
}

/** What a restore replaces, said before it happens, and the buttons to do it or not. */
export function RestoreCheckpointForm({
  checkpoint,
  summary,
  newer,
  taskBusy,
  pending,
  error,
  onRestore,
  onCancel,
}: RestoreCheckpointFormProps) {
  const conflict = error instanceof ApiError && error.status === 409;
  return (
    <>
      <p>
        The workspace&apos;s current files and any uncommitted changes are replaced by checkpoint{' '}
        <code>{shortSha(checkpoint.sha)}</code>:{' '}
        <q data-testid="restore-checkpoint-name">{summary}</q>.
      </p>
      {newer > 0 && (
        <p className="notice notice-warn">
          {newer === 1
            ? 'One newer checkpoint comes after it: its changes are undone too.'
            : `${newer} newer checkpoints come after it: their changes are undone too.`}
        </p>
      )}
      <p className="muted small">
        What is there now is saved as a checkpoint first, so you can come back to it. Files git does
        not track (node_modules, caches) are left alone.
      </p>
      {taskBusy && (
        <p className="notice notice-warn">
          A task is running or waiting in this app: cancel it or let it finish first.
        </p>
      )}
      {pending && (
        <p className="history-progress" role="status">
          <span className="spinner" aria-hidden="true" /> Restoring…
        </p>
      )}
      {error !== null && error !== undefined && (
        <ErrorNotice
          error={error}
          title={conflict ? 'Could not restore now' : 'Could not restore'}
          testId="restore-error"
        />
      )}
      <div className="actions">
        <button
          type="button"
          className="button-danger"
          data-testid="restore-confirm"
          disabled={pending || taskBusy}
          onClick={onRestore}
        >
          {pending ? 'Restoring…' : 'Restore'}
        </button>
        <button type="button" className="button-quiet" disabled={pending} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </>
  );
}
