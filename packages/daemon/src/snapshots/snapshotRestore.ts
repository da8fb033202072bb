import type { FastifyBaseLogger } from 'fastify';
import { failpoint, PaddockError, type SandboxDriver } from '@paddock/shared';
import { manifestObjects, restoreWorkspace, type ContentStore } from '@paddock/snapshots';
import type { EventLog } from '../events/eventLog.js';
import type { SandboxFiller } from '../sandboxes/sandboxService.js';
import type { SandboxRow, SandboxStore } from '../sandboxes/sandboxStore.js';
import type { Slots } from './slots.js';
import type { SnapshotHistory } from './snapshotHistory.js';
import { assertQuiesced, excludedNamesFor, manifestOf } from './snapshotWorkspace.js';
import type { SnapshotRow, SnapshotStore } from './snapshotStore.js';

export interface SnapshotRestoreOptions {
  rows: SnapshotStore;
  /** Where a restore in progress is recorded, so a restart can finish it. */
  sandboxRows: SandboxStore;
  log: FastifyBaseLogger;
  content: ContentStore;
  driver: SandboxDriver;
  events: EventLog;
  slots: Slots;
  history: SnapshotHistory;
}

/** Snapshots written back into sandboxes: a restore, or a new sandbox (a fork) started from one. */
export class SnapshotRestore {
  constructor(private readonly o: SnapshotRestoreOptions) {}

  /**
   * Makes the sandbox's workspace equal to the snapshot, files owned by that sandbox's uid.
   * The caller decides whether the sandbox runs meanwhile (it is frozen if it does).
   */
  async restoreInto(
    sandbox: SandboxRow,
    snapshot: SnapshotRow,
  ): Promise<{ files: number; bytes: number }> {
    // Recorded first: a crash part-way leaves a mix of two trees, which the restart completes.
    await this.o.sandboxRows.update(sandbox.id, { restoring_snapshot_id: snapshot.id });
    failpoint('snapshot.restore.marked');
    try {
      const restored = await this.write(sandbox, snapshot, 'restore');
      failpoint('snapshot.restore.written');
      return restored;
    } finally {
      // A restore that failed was answered with its error; only a crash leaves the mark.
      await this.o.sandboxRows.update(sandbox.id, { restoring_snapshot_id: null });
    }
  }

  /**
   * At start, before anything runs: restores the daemon stopped in the middle of are finished
   * (writing a snapshot is idempotent). Their sandboxes are stopped (a restore runs on a stopped
   * sandbox) and stay so. One whose snapshot is gone is failed, saying its files are mixed.
   */
  async resume(): Promise<number> {
    let resumed = 0;
    for (const sandbox of await this.o.sandboxRows.listWriting('restoring_snapshot_id')) {
      const id = sandbox.restoring_snapshot_id!;
      const snapshot = await this.o.rows.get(sandbox.owner_id, id);
      try {
        if (snapshot?.status !== 'ready') throw new PaddockError('not_found', `no snapshot ${id}`);
        const restored = await this.restoreInto(sandbox, snapshot);
        await this.o.events.append({
          owner: sandbox.owner_id,
          sandboxId: sandbox.id,
          type: 'snapshot.restored',
          message: `Workspace restored from snapshot "${snapshot.name}" (finished after a restart)`,
          payload: {
            ...(sandbox.app_id ? { app_id: sandbox.app_id } : {}),
            snapshot_id: id,
            files: restored.files,
            resumed: true,
          },
        });
        resumed++;
      } catch (err) {
        this.o.log.error(
          { err, sandbox_id: sandbox.id, snapshot_id: id },
          'finishing a cut-short restore failed',
        );
        await this.o.sandboxRows.update(sandbox.id, {
          status: 'failed',
          status_reason: `a restore of snapshot ${id} was cut short and could not be finished; the workspace may be partly restored`,
          restoring_snapshot_id: null,
        });
      }
    }
    return resumed;
  }

  /** The snapshot's history joins the workspace's, then its files replace the workspace's. */
  private async write(
    sandbox: SandboxRow,
    snapshot: SnapshotRow,
    how: 'fill' | 'restore',
  ): Promise<{ files: number; bytes: number }> {
    await this.o.history.restoring(snapshot, sandbox, how);
    const lease = this.o.content.lease();
    try {
      const manifest = await manifestOf(this.o.content, snapshot);
      for (const sha of manifestObjects(manifest)) lease.hold(sha);
      // Held now, so no sweep removes them; a snapshot deleted before the hold is gone for good.
      if (!(await this.o.rows.get(snapshot.owner_id, snapshot.id))) {
        throw new PaddockError('not_found', `no snapshot ${snapshot.id}`);
      }
      return await this.o.slots.run(() =>
        this.o.driver.withWorkspace(sandbox.id, (ws) => {
          assertQuiesced(ws);
          return restoreWorkspace({
            root: ws.root,
            manifest,
            store: this.o.content,
            uid: ws.uid,
            gid: ws.gid,
            excludedNames: excludedNamesFor(sandbox),
          });
        }),
      );
    } catch (err) {
      throw restoreFailure(err);
    } finally {
      lease.release();
    }
  }

  /** For a new sandbox that starts from the (ready) snapshot: fills its workspace first. */
  fillerFor(snapshot: SnapshotRow): SandboxFiller {
    return async (sandbox) => {
      const started = performance.now();
      const restored = await this.write(sandbox, snapshot, 'fill');
      const ms = Math.round(performance.now() - started);
      await this.o.events.append({
        owner: sandbox.owner_id,
        sandboxId: sandbox.id,
        type: 'snapshot.restored',
        message: `Workspace started from snapshot "${snapshot.name}"`,
        payload: { snapshot_id: snapshot.id, files: restored.files, bytes: restored.bytes, ms },
      });
    };
  }
}

/** A restore's failure as an API error: the workspace may be partly written, so say so. */
function restoreFailure(err: unknown): unknown {
  if (err instanceof PaddockError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new PaddockError(
      'no_space',
      'the workspace disk is too small for the snapshot; the workspace may be partly restored',
    );
  }
  return new PaddockError(
    'driver_error',
    `restoring the snapshot failed (${code ?? 'unexpected error'}); the workspace may be partly restored`,
  );
}
