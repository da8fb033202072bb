import type { Checkpoint, Task } from '@paddock/shared';
import { CHECKPOINT_KIND_LABEL, checkpointSummary, shortSha } from '../../lib/checkpointWords.js';
import { fullTime, timeAgo } from '../../lib/time.js';
import { StatusBadge } from '../StatusBadge.js';

interface CheckpointEntryProps {
  checkpoint: Checkpoint;
  task: Task | undefined;
  onRestore: (checkpoint: Checkpoint) => void;
  onFork: (checkpoint: Checkpoint) => void;
}

/** One point of the timeline: what it holds, when, which provider, what changed, and actions. */
export function CheckpointEntry({ checkpoint, task, onRestore, onFork }: CheckpointEntryProps) {
  const summary = checkpointSummary(checkpoint, task);
  const { files, added, removed } = checkpoint.changes;
  const short = shortSha(checkpoint.sha);
  return (
    <li
      className="checkpoint"
      data-testid="checkpoint"
      data-sha={checkpoint.sha}
      data-kind={checkpoint.kind}
      data-head={checkpoint.head ? 'true' : 'false'}
    >
      <span className="checkpoint-dot" aria-hidden="true" />
      <div className="checkpoint-body">
        <div className="checkpoint-head">
          <StatusBadge tone={checkpoint.head ? 'ok' : 'idle'}>
            {checkpoint.head ? 'Current' : CHECKPOINT_KIND_LABEL[checkpoint.kind]}
          </StatusBadge>
          <span className="muted small">
            {task ? `${task.provider} · ` : ''}
            <time dateTime={checkpoint.created_at} title={fullTime(checkpoint.created_at)}>
              {timeAgo(checkpoint.created_at)}
            </time>{' '}
            · <code data-testid="checkpoint-sha">{short}</code>
          </span>
        </div>
        <p className="checkpoint-summary" data-testid="checkpoint-summary">
          {summary}
        </p>
        <p className="muted small">
          {files === 0 ? 'No files changed' : `${files} file${files === 1 ? '' : 's'} changed`}
          {files > 0 && (
            <>
              {' '}
              <span className="numstat-add">+{added}</span>{' '}
              <span className="numstat-del">−{removed}</span>
            </>
          )}
        </p>
      </div>
      <div className="history-actions">
        {!checkpoint.head && (
          <button
            type="button"
            className="button-quiet"
            data-testid="checkpoint-restore"
            aria-label={`Restore checkpoint ${short}…`}
            onClick={() => onRestore(checkpoint)}
          >
            Restore…
          </button>
        )}
        <button
          type="button"
          className="button-quiet"
          data-testid="checkpoint-fork"
          aria-label={`Fork checkpoint ${short} to a new app…`}
          onClick={() => onFork(checkpoint)}
        >
          Fork…
        </button>
      </div>
    </li>
  );
}
