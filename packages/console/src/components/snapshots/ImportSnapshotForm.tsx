import { useId, useRef, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { Snapshot } from '@paddock/shared';
import { queryKeys } from '../../api/queryKeys.js';
import { importSnapshot } from '../../api/snapshots.js';
import type { UploadProgress } from '../../api/upload.js';
import { formatBytes } from '../../lib/capabilities.js';
import { rememberImport } from '../../lib/importedSnapshots.js';
import { ErrorNotice } from '../ErrorNotice.js';

interface ImportSnapshotFormProps {
  appId: string;
  /** Called with the new snapshot, to offer a fork or a restore. */
  onImported: (snapshot: Snapshot) => void;
}

/** Uploads a tar or tar.gz (an export) as a new snapshot, with a progress bar. */
export function ImportSnapshotForm({ appId, onImported }: ImportSnapshotFormProps) {
  const client = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const fileId = useId();

  async function submit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    if (!file || busy) return;
    const controller = new AbortController();
    abort.current = controller;
    setBusy(true);
    setError(null);
    setDone(false);
    setProgress({ sent: 0, total: file.size });
    try {
      const name = file.name.replace(/\.(tar\.gz|tgz|tar)$/i, '').slice(0, 128) || 'Imported';
      const snapshot = await importSnapshot(file, name, setProgress, controller.signal);
      client.setQueryData(queryKeys.snapshot(snapshot.id), snapshot);
      rememberImport(appId, snapshot.id);
      setFile(null);
      (event.target as HTMLFormElement).reset();
      setDone(true);
      onImported(snapshot);
    } catch (caught) {
      setError(caught);
      setProgress(null);
    } finally {
      setBusy(false);
      abort.current = null;
    }
  }

  const percent =
    progress && progress.total > 0
      ? Math.min(100, Math.round((progress.sent / progress.total) * 100))
      : null;
  const sentAll = progress !== null && progress.total > 0 && progress.sent >= progress.total;

  return (
    <form
      className="history-form"
      aria-label="Import a snapshot"
      onSubmit={(event) => void submit(event)}
    >
      <div className="inline-form">
        <label htmlFor={fileId}>Archive (.tar or .tar.gz)</label>
        <input
          id={fileId}
          type="file"
          accept=".tar,.tgz,.gz,application/x-tar,application/gzip"
          data-testid="snapshot-import-file"
          disabled={busy}
          onChange={(event) => setFile(event.target.files?.[0] ?? null)}
        />
        <button type="submit" data-testid="snapshot-import" disabled={!file || busy}>
          {busy ? 'Importing…' : 'Import'}
        </button>
        {busy && (
          <button type="button" className="button-quiet" onClick={() => abort.current?.abort()}>
            Cancel
          </button>
        )}
      </div>
      {progress && (
        <div
          className="history-upload"
          data-testid="snapshot-import-progress"
          data-state={done ? 'done' : 'sending'}
        >
          <progress
            max={100}
            value={done ? 100 : (percent ?? undefined)}
            aria-label="Upload progress"
          />
          <span className="muted small" role="status">
            {formatBytes(progress.sent)}
            {progress.total > 0 && ` of ${formatBytes(progress.total)}`}
            {done ? ' · imported' : sentAll ? ' · checking and storing the files…' : ''}
          </span>
        </div>
      )}
      {error !== null && (
        <ErrorNotice error={error} title="Could not import" testId="snapshot-import-error" />
      )}
    </form>
  );
}
