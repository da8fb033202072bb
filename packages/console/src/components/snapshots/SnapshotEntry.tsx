import type { Snapshot } from '@paddock/shared';
import { snapshotExportUrl } from '../../api/snapshots.js';
import type { Tone } from '../../lib/appStatus.js';
import { formatBytes } from '../../lib/capabilities.js';
import { fullTime, timeAgo } from '../../lib/time.js';
import { StatusBadge } from '../StatusBadge.js';

export type SnapshotAction = 'restore' | 'fork' | 'delete';

interface SnapshotEntryProps {
  snapshot: Snapshot;
  /** Restoring needs the app's sandbox. */
  canRestore: boolean;
  onAction: (action: SnapshotAction, snapshot: Snapshot) => void;
}

const STATUS: Record<Snapshot['status'], { label: string; tone: Tone }> = {
  capturing: { label: 'Capturing', tone: 'busy' },
  ready: { label: 'Ready', tone: 'ok' },
  failed: { label: 'Failed', tone: 'bad' },
};

/** One snapshot: its name, kind, status, size and time, and what can be done with it. */
export function SnapshotEntry({ snapshot, canRestore, onAction }: SnapshotEntryProps) {
  const status = STATUS[snapshot.status];
  const ready = snapshot.status === 'ready';
  // Each button names its snapshot for screen readers (the visible word starts the name).
  const named = (verb: string, rest = '') => `${verb} snapshot ${snapshot.name}${rest}`;
  return (
    <li
      className="snapshot"
      data-testid="snapshot"
      data-snapshot={snapshot.id}
      data-status={snapshot.status}
      data-source={snapshot.source}
    >
      <div className="snapshot-body">
        <div className="checkpoint-head">
          <StatusBadge tone={status.tone}>{status.label}</StatusBadge>
          <strong className="snapshot-name" data-testid="snapshot-name">
            {snapshot.name}
          </strong>
        </div>
        <p className="muted small">
          {snapshot.source === 'import' ? 'Imported' : 'Captured'}{' '}
          <time dateTime={snapshot.created_at} title={fullTime(snapshot.created_at)}>
            {timeAgo(snapshot.created_at)}
          </time>
          {ready && (
            <>
              {' '}
              · {snapshot.files} file{snapshot.files === 1 ? '' : 's'},{' '}
              {formatBytes(snapshot.size_bytes)}
            </>
          )}
          {ready && snapshot.source === 'capture' && !snapshot.consistent && (
            <> · taken while processes ran</>
          )}
        </p>
        {snapshot.status === 'failed' && snapshot.error && (
          <p className="small snapshot-error">{snapshot.error}</p>
        )}
      </div>
      <div className="history-actions">
        {ready && canRestore && (
          <button
            type="button"
            className="button-quiet"
            data-testid="snapshot-restore"
            aria-label={named('Restore', '…')}
            onClick={() => onAction('restore', snapshot)}
          >
            Restore…
          </button>
        )}
        {ready && (
          <button
            type="button"
            className="button-quiet"
            data-testid="snapshot-fork"
            aria-label={`Fork to new app from snapshot ${snapshot.name}…`}
            onClick={() => onAction('fork', snapshot)}
          >
            Fork to new app…
          </button>
        )}
        {ready && (
          <a
            className="button button-quiet"
            href={snapshotExportUrl(snapshot.id)}
            download={`${snapshot.id}.tar`}
            data-testid="snapshot-export"
            aria-label={named('Export', ' as a tar')}
          >
            Export
          </a>
        )}
        {snapshot.status !== 'capturing' && (
          <button
            type="button"
            className="button-quiet button-quiet-danger"
            data-testid="snapshot-delete"
            aria-label={named('Delete', '…')}
            onClick={() => onAction('delete', snapshot)}
          >
            Delete…
          </button>
        )}
      </div>
    </li>
  );
}
