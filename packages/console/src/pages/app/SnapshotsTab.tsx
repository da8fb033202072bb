import { useEffect, useMemo, useState } from 'react';
import type { Snapshot } from '@paddock/shared';
import { ApiError } from '../../api/client.js';
import {
  useAppSnapshots,
  useDeleteSnapshot,
  useForkSnapshot,
  useRestoreSnapshot,
  useSnapshotsById,
} from '../../api/snapshots.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { CaptureSnapshotForm } from '../../components/snapshots/CaptureSnapshotForm.js';
import { ImportSnapshotForm } from '../../components/snapshots/ImportSnapshotForm.js';
import {
  SnapshotActionDialogs,
  type OpenSnapshotAction,
} from '../../components/snapshots/SnapshotActionDialogs.js';
import type { SnapshotAction } from '../../components/snapshots/SnapshotEntry.js';
import { SnapshotList } from '../../components/snapshots/SnapshotList.js';
import { formatBytes } from '../../lib/capabilities.js';
import { forgetImport, useImportedSnapshotIds } from '../../lib/importedSnapshots.js';
import type { AppTabProps } from './appTab.js';
import { NoSandbox } from './NoSandbox.js';
import '../../styles/history.css';

/** The app's snapshots: take one, restore, fork, export, delete, and import an archive. */
export function SnapshotsTab({ app }: AppTabProps) {
  const [capturing, setCapturing] = useState(false);
  const list = useAppSnapshots(app.id, capturing);
  const importedIds = useImportedSnapshotIds(app.id);
  const imported = useSnapshotsById(importedIds);
  const restore = useRestoreSnapshot(app.id);
  const fork = useForkSnapshot(app.id);
  const remove = useDeleteSnapshot();
  const [action, setAction] = useState<OpenSnapshotAction>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [justImported, setJustImported] = useState<Snapshot | null>(null);

  const items = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  const importedItems = imported.flatMap((q) => (q.data ? [q.data] : []));

  // An import deleted elsewhere is forgotten here too.
  const gone = imported
    .map((q, i) => (q.error instanceof ApiError && q.error.status === 404 ? importedIds[i] : null))
    .filter((id): id is string => typeof id === 'string');
  const goneKey = gone.join(',');
  useEffect(() => {
    for (const id of goneKey ? goneKey.split(',') : []) forgetImport(app.id, id);
  }, [app.id, goneKey]);

  function open(kind: SnapshotAction, snapshot: Snapshot): void {
    restore.reset();
    fork.reset();
    remove.reset();
    setMessage(null);
    setAction({ kind, snapshot });
  }
  const canRestore = app.sandbox !== null;

  return (
    <section
      className="panel"
      aria-labelledby="snapshots-title"
      data-app={app.id}
      data-testid="snapshots"
    >
      <h2 id="snapshots-title">Snapshots</h2>
      <p className="muted small">
        A snapshot is a copy of the workspace&apos;s files (node_modules and other dirs the preset
        rebuilds are left out). Restore one here, fork it into a new app, or export it as a tar.
      </p>
      {app.sandbox ? (
        <CaptureSnapshotForm sandboxId={app.sandbox.id} onCapturing={setCapturing} />
      ) : (
        <NoSandbox what="no snapshot can be taken or restored" />
      )}
      {message && (
        <p className="notice notice-ok" role="status" data-testid="snapshot-message">
          {message}
        </p>
      )}

      <h3>History</h3>
      {list.isPending ? (
        <p className="history-progress" role="status">
          <span className="spinner" aria-hidden="true" /> Loading the snapshots…
        </p>
      ) : list.isError && items.length === 0 ? (
        <div className="stack">
          <ErrorNotice error={list.error} title="Could not list the snapshots" />
          <button type="button" className="button-quiet" onClick={() => void list.refetch()}>
            Try again
          </button>
        </div>
      ) : items.length === 0 ? (
        <p className="empty" data-testid="snapshots-empty">
          No snapshots yet: take one above to keep a copy of the app&apos;s files.
        </p>
      ) : (
        <>
          {list.isError && (
            <ErrorNotice
              error={list.error}
              title="Could not refresh; showing the last known list"
            />
          )}
          <SnapshotList
            snapshots={items}
            label="Snapshots of this app, newest first"
            canRestore={canRestore}
            onAction={open}
            testId="snapshot-list"
          />
        </>
      )}
      {list.hasNextPage && (
        <button
          type="button"
          className="button-quiet history-more"
          disabled={list.isFetchingNextPage}
          onClick={() => void list.fetchNextPage()}
        >
          {list.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      )}

      <h3>Import</h3>
      <p className="muted small">
        Upload an exported snapshot (a .tar or .tar.gz) to fork it into a new app or restore it
        here. Imports belong to no app: this page remembers the ones imported from it.
      </p>
      <ImportSnapshotForm
        appId={app.id}
        onImported={(snapshot) => {
          setMessage(null);
          setJustImported(snapshot);
        }}
      />
      {justImported && (
        <div className="notice notice-ok history-imported" data-testid="snapshot-imported">
          <p role="status">
            Imported “{justImported.name}”: {justImported.files} files,{' '}
            {formatBytes(justImported.size_bytes)}. What next?
          </p>
          <div className="actions">
            <button
              type="button"
              data-testid="imported-fork"
              onClick={() => open('fork', justImported)}
            >
              Fork to new app…
            </button>
            {canRestore && (
              <button
                type="button"
                className="button-quiet"
                data-testid="imported-restore"
                onClick={() => open('restore', justImported)}
              >
                Restore into this app…
              </button>
            )}
          </div>
        </div>
      )}
      {importedItems.length > 0 && <h4>Imported from this page</h4>}
      {importedItems.length > 0 && (
        <SnapshotList
          snapshots={importedItems}
          label="Snapshots imported from this page"
          canRestore={canRestore}
          onAction={open}
          testId="imported-list"
        />
      )}

      <SnapshotActionDialogs
        app={app}
        action={action}
        onClose={() => setAction(null)}
        onDone={(done) => {
          setMessage(done);
          if (action?.snapshot.id === justImported?.id) setJustImported(null);
        }}
        restore={restore}
        fork={fork}
        remove={remove}
      />
    </section>
  );
}
