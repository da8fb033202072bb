import type { SandboxRow } from '../sandboxes/sandboxStore.js';
import type { SnapshotRow } from './snapshotStore.js';

/**
 * The record that follows a workspace's code through its snapshots (the provenance module
 * supplies it). Snapshots call it at each step that moves code: it is written before the
 * files move, so a failure leaves it saying more, never less.
 */
export interface SnapshotHistory {
  /** The sandbox's workspace was captured into the snapshot (before it turns ready). */
  captured(snapshot: SnapshotRow, sandbox: SandboxRow): Promise<void>;
  /** The snapshot's files are about to fill a new workspace, or replace one. */
  restoring(snapshot: SnapshotRow, sandbox: SandboxRow, how: 'fill' | 'restore'): Promise<void>;
  /** What the snapshot's export carries as the archive's metadata. */
  exported(snapshot: SnapshotRow): Promise<unknown>;
  /**
   * An import's archive metadata (null when it had none); throws `invalid_archive` when it is
   * malformed. `agentKeyId`: the import came through an agent key.
   */
  imported(snapshot: SnapshotRow, metadata: unknown, agentKeyId: string | null): Promise<void>;
  /** The snapshot is deleted, or never became ready. */
  forget(snapshotId: string): Promise<void>;
}
