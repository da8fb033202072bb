import type { App, Snapshot } from '@paddock/shared';
import { ApiError } from '../../api/client.js';
import type {
  useDeleteSnapshot,
  useForkSnapshot,
  useRestoreSnapshot,
} from '../../api/snapshots.js';
import { formatBytes } from '../../lib/capabilities.js';
import { forgetImport } from '../../lib/importedSnapshots.js';
import { navigate } from '../../router/navigation.js';
import { paths } from '../../router/routes.js';
import { ActionDialog } from '../ActionDialog.js';
import { ConfirmDialog } from '../ConfirmDialog.js';
import { ForkNameForm, forkName } from '../ForkNameForm.js';
import type { SnapshotAction } from './SnapshotEntry.js';

export type OpenSnapshotAction = { kind: SnapshotAction; snapshot: Snapshot } | null;

interface SnapshotActionDialogsProps {
  app: App;
  action: OpenSnapshotAction;
  onClose: () => void;
  /** What happened, for the section's status line. */
  onDone: (message: string) => void;
  restore: ReturnType<typeof useRestoreSnapshot>;
  fork: ReturnType<typeof useForkSnapshot>;
  remove: ReturnType<typeof useDeleteSnapshot>;
}

/** The three confirm-or-ask steps of a snapshot: restore, fork to a new app, delete. */
export function SnapshotActionDialogs({
  app,
  action,
  onClose,
  onDone,
  restore,
  fork,
  remove,
}: SnapshotActionDialogsProps) {
  const snapshot = action?.snapshot;
  const pending = restore.isPending || fork.isPending || remove.isPending;
  const conflict = restore.error instanceof ApiError && restore.error.status === 409;

  return (
    <>
      <ConfirmDialog
        open={action?.kind === 'restore'}
        title={snapshot ? `Restore snapshot “${snapshot.name}”?` : 'Restore snapshot?'}
        confirmLabel="Restore"
        pendingLabel="Restoring…"
        pending={pending}
        error={restore.isError ? restore.error : null}
        errorTitle={conflict ? 'Could not restore now' : 'Could not restore'}
        testId="snapshot-restore-dialog"
        confirmTestId="snapshot-restore-confirm"
        confirmDisabled={!snapshot}
        onConfirm={() =>
          snapshot &&
          restore.mutate(snapshot.id, {
            onSuccess: (done) => {
              onDone(`Restored snapshot “${snapshot.name}”: ${done.files} files written.`);
              onClose();
            },
          })
        }
        onClose={onClose}
      >
        {snapshot && (
          <>
            <p>
              The app&apos;s workspace is replaced by this snapshot&apos;s {snapshot.files} files (
              {formatBytes(snapshot.size_bytes)}): the current files, and any uncommitted changes,
              are gone. A running sandbox restarts from the restored files.
            </p>
            <p className="muted small">
              To keep what is there now, take a snapshot first. Dirs a snapshot leaves out
              (node_modules, caches) are rebuilt as the preset does.
            </p>
            {restore.isPending && (
              <p className="history-progress" role="status">
                <span className="spinner" aria-hidden="true" /> Restoring…
              </p>
            )}
          </>
        )}
      </ConfirmDialog>
      <ActionDialog
        open={action?.kind === 'fork'}
        title="Fork to a new app"
        busy={pending}
        onClose={onClose}
        testId="snapshot-fork-dialog"
      >
        {snapshot && (
          <ForkNameForm
            suggested={forkName(app)}
            from={`snapshot “${snapshot.name}”`}
            pending={fork.isPending}
            error={fork.error}
            onFork={(name) =>
              fork.mutate(
                { snapshotId: snapshot.id, name },
                { onSuccess: (created) => navigate(paths.app(created.id)) },
              )
            }
            onCancel={onClose}
          />
        )}
      </ActionDialog>
      <ConfirmDialog
        open={action?.kind === 'delete'}
        title={snapshot ? `Delete snapshot “${snapshot.name}”?` : 'Delete snapshot?'}
        confirmLabel="Delete"
        pendingLabel="Deleting…"
        pending={pending}
        error={remove.isError ? remove.error : null}
        errorTitle="Could not delete"
        testId="snapshot-delete-dialog"
        confirmTestId="snapshot-delete-confirm"
        confirmDisabled={!snapshot}
        onConfirm={() =>
          snapshot &&
          remove.mutate(snapshot.id, {
            onSuccess: () => {
              forgetImport(app.id, snapshot.id);
              onDone(`Deleted snapshot “${snapshot.name}”.`);
              onClose();
            },
          })
        }
        onClose={onClose}
      >
        <p>
          The snapshot is gone for good; content no other snapshot shares is removed from disk. Apps
          forked from it keep their files.
        </p>
      </ConfirmDialog>
    </>
  );
}
