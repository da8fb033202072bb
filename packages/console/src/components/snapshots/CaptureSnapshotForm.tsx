import { useId, useState, type FormEvent } from 'react';
import type { Snapshot } from '@paddock/shared';
import { useCaptureSnapshot } from '../../api/snapshots.js';
import { useElapsedSeconds } from '../../hooks/useElapsedSeconds.js';
import { formatBytes } from '../../lib/capabilities.js';
import { ErrorNotice } from '../ErrorNotice.js';

function defaultName(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `Snapshot ${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}:${pad(now.getMinutes())}`;
}

/** "Take snapshot": names it, captures the workspace, and says how it went. */
export function CaptureSnapshotForm({
  sandboxId,
  onCapturing,
}: {
  sandboxId: string;
  /** So the list polls while the capture runs (its row shows as capturing). */
  onCapturing: (busy: boolean) => void;
}) {
  const capture = useCaptureSnapshot(sandboxId);
  const [name, setName] = useState('');
  const fieldId = useId();
  const seconds = useElapsedSeconds(capture.isPending);

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    if (capture.isPending) return;
    onCapturing(true);
    capture.mutate(name.trim() || defaultName(), {
      onSuccess: () => setName(''),
      onSettled: () => onCapturing(false),
    });
  }

  const done: Snapshot | undefined = capture.data;
  return (
    <form className="history-form" onSubmit={submit} aria-label="Take a snapshot">
      <div className="inline-form">
        <label htmlFor={fieldId}>Name</label>
        <input
          id={fieldId}
          value={name}
          maxLength={128}
          placeholder={defaultName()}
          data-testid="snapshot-name-input"
          onChange={(event) => setName(event.target.value)}
        />
        <button type="submit" data-testid="snapshot-take" disabled={capture.isPending}>
          {capture.isPending ? 'Capturing…' : 'Take snapshot'}
        </button>
      </div>
      {capture.isPending && (
        <p className="history-progress" role="status" data-testid="snapshot-capturing">
          <span className="spinner" aria-hidden="true" /> Capturing the workspace (processes are
          paused while files are read)… {seconds > 0 && `${seconds} s`}
        </p>
      )}
      {done && !capture.isPending && (
        <p className="notice notice-ok" role="status" data-testid="snapshot-taken">
          {done.status === 'ready'
            ? `Snapshot “${done.name}” taken: ${done.files} files, ${formatBytes(done.size_bytes)} (${formatBytes(done.new_bytes)} new).`
            : `Snapshot “${done.name}” ${done.status}${done.error ? `: ${done.error}` : ''}.`}
        </p>
      )}
      {capture.isError && <ErrorNotice error={capture.error} title="Could not take the snapshot" />}
    </form>
  );
}
