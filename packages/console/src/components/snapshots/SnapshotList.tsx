import type { Snapshot } from '@paddock/shared';
import { SnapshotEntry, type SnapshotAction } from './SnapshotEntry.js';

interface SnapshotListProps {
  snapshots: readonly Snapshot[];
  label: string;
  canRestore: boolean;
  onAction: (action: SnapshotAction, snapshot: Snapshot) => void;
  testId: string;
}

export function SnapshotList({
  snapshots,
  label,
  canRestore,
  onAction,
  testId,
}: SnapshotListProps) {
  return (
    <ol className="snapshot-list" aria-label={label} data-testid={testId}>
      {snapshots.map((s) => (
        <SnapshotEntry key={s.id} snapshot={s} canRestore={canRestore} onAction={onAction} />
      ))}
    </ol>
  );
}
