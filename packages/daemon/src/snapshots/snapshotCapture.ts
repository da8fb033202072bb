import type { FastifyBaseLogger } from 'fastify';
import { PaddockError, failpoint, type HostWorkspace, type SandboxDriver } from '@paddock/shared';
import {
  CaptureLimitError,
  HashCache,
  captureWorkspace,
  checkManifest,
  type CaptureResult,
  type ContentStore,
  type Lease,
} from '@paddock/snapshots';
import type { EventLog } from '../events/eventLog.js';
import type { SandboxService } from '../sandboxes/sandboxService.js';
import type { SandboxRow } from '../sandboxes/sandboxStore.js';
import type { Slots } from './slots.js';
import type { SnapshotCommit } from './snapshotCommit.js';
import type { SnapshotGarbage } from './snapshotGarbage.js';
import type { SnapshotHistory } from './snapshotHistory.js';
import type { SnapshotQuota } from './snapshotQuota.js';
import type { SnapshotRow, SnapshotStore } from './snapshotStore.js';
import { assertQuiesced, excludedNamesFor } from './snapshotWorkspace.js';

export interface SnapshotCaptureOptions {
  rows: SnapshotStore;
  content: ContentStore;
  driver: SandboxDriver;
  sandboxes: SandboxService;
  events: EventLog;
  log: FastifyBaseLogger;
  slots: Slots;
  quota: SnapshotQuota;
  commit: SnapshotCommit;
  garbage: SnapshotGarbage;
  history: SnapshotHistory;
  limits: { maxBytes: number; maxEntries: number };
}

/** How many sandboxes' hash caches are kept (each is a path and a hash per workspace file). */
const HASH_CACHED_SANDBOXES = 16;

/** A few skipped special files are worth naming; a workspace full of sockets is not. */
const SKIPPED_SHOWN = 100;

/** One capture under way: what its failure needs to be recorded. */
interface Capturing {
  owner: string;
  sandboxId: string;
  name: string;
  row: SnapshotRow;
  lease: Lease;
  started: number;
  frozenMs: number | null;
}

/** Captures of running or stopped sandboxes' workspaces, frozen while they are read. */
export class SnapshotCapture {
  /** Per sandbox, what its last captures hashed (the most recently captured sandboxes only). */
  private readonly hashCaches = new Map<string, HashCache>();

  constructor(private readonly o: SnapshotCaptureOptions) {}

  /**
   * Captures the sandbox's workspace. The sandbox is frozen while its files are read, so the
   * snapshot is one moment of it; the row turns ready only after every byte is stored, and a
   * capture that fails is recorded as failed with the reason, then reported as `snapshot_failed`.
   */
  async capture(owner: string, sandboxId: string, name: string): Promise<SnapshotRow> {
    const started = performance.now();
    const failedSyncs = this.o.commit.begin();
    const sandbox = await this.o.sandboxes.get(owner, sandboxId);
    // The row is written, and the quota looked up, while the sandbox freezes: the freeze is
    // mostly a wait on the kernel.
    const inserting = this.o.rows.insert({
      owner,
      name,
      source: 'capture',
      appId: sandbox.app_id,
      sandboxId,
    });
    const room = this.o.quota.roomFor(owner);
    room.catch(() => undefined); // awaited below, or not at all if the sandbox is gone
    const lease = this.o.content.lease();
    const frozen: { ms: number | null } = { ms: null };
    const capturing = this.o.slots.run(() =>
      this.o.driver.withWorkspace(sandboxId, (ws) =>
        this.read(ws, sandbox, lease, { inserting, room, frozen }),
      ),
    );
    // Both settle first, so a failed capture always has its row to be recorded on.
    const [inserted, captured] = await Promise.allSettled([inserting, capturing]);
    if (inserted.status === 'rejected') {
      lease.release();
      void this.o.garbage.collect();
      throw inserted.reason;
    }
    const row = inserted.value;
    let ready: SnapshotRow;
    try {
      if (captured.status === 'rejected') throw captured.reason;
      const result = captured.value;
      // Checked like any manifest before anything may rely on it.
      checkManifest(result.manifest);
      // After the read: whatever changed the workspace up to now is in the snapshot's record.
      await this.o.history.captured(row, sandbox);
      ready = await this.o.commit.markReady(row, lease, result, started, failedSyncs, {
        skipped_json: JSON.stringify(result.skipped.slice(0, SKIPPED_SHOWN)),
        frozen_ms: frozen.ms,
      });
      failpoint('snapshot.capture.ready');
    } catch (err) {
      await this.o.history.forget(row.id).catch(() => undefined);
      const capture = { owner, sandboxId, name, row, lease, started, frozenMs: frozen.ms };
      throw await this.recordFailure(err, capture);
    } finally {
      lease.release();
    }
    await this.o.events.append({
      owner,
      sandboxId,
      type: 'snapshot.created',
      message: `Snapshot "${name}" captured`,
      payload: {
        snapshot_id: row.id,
        files: ready.files,
        size_bytes: ready.size_bytes,
        new_bytes: ready.new_bytes,
      },
    });
    return ready;
  }

  /** Reads the workspace `ws` (frozen, or a stopped sandbox's) into the store. */
  private async read(
    ws: HostWorkspace,
    sandbox: SandboxRow,
    lease: Lease,
    at: {
      inserting: Promise<SnapshotRow>;
      room: Promise<number>;
      /** Set to how long the sandbox stayed frozen while its files were read. */
      frozen: { ms: number | null };
    },
  ): Promise<CaptureResult> {
    assertQuiesced(ws);
    const reading = performance.now();
    await at.inserting; // a capture with no row to record it on is not worth reading
    const left = await at.room;
    if (left <= 0) {
      const owner = sandbox.owner_id;
      throw this.o.quota.overQuota(owner, { described: this.o.quota.limitBytes(owner) - left });
    }
    try {
      const captured = await captureWorkspace({
        root: ws.root,
        store: this.o.content,
        lease,
        excludedNames: excludedNamesFor(sandbox),
        ...this.o.limits,
        cache: this.hashCacheOf(sandbox.id),
      });
      failpoint('snapshot.capture.read'); // the sandbox still frozen
      return captured;
    } finally {
      if (ws.frozen) at.frozen.ms = Math.round(performance.now() - reading);
    }
  }

  /**
   * A capture that failed: refused over the quota (nothing kept), or its row marked failed with
   * a reason a person can act on. Returns the error to answer with.
   */
  private async recordFailure(err: unknown, c: Capturing): Promise<unknown> {
    if (err instanceof PaddockError && err.code === 'snapshot_quota_exceeded') {
      // Refused, not failed: nothing is kept, row or content.
      await this.o.rows.remove(c.row.id);
      c.lease.release();
      void this.o.garbage.collect();
      return err;
    }
    const reason = captureFailure(err);
    const failed = {
      status: 'failed',
      error: reason,
      duration_ms: Math.round(performance.now() - c.started),
      frozen_ms: c.frozenMs,
    } as const;
    const marked = await this.o.rows.update(c.row, failed).then(
      () => true,
      (e: unknown) => {
        if (e instanceof PaddockError && e.code === 'not_found') return false;
        throw e;
      },
    );
    c.lease.release();
    if (!marked) {
      // Its app was purged meanwhile, row and all: nothing to report it on.
      void this.o.garbage.collect();
      return new PaddockError('not_found', `snapshot ${c.row.id} was deleted during the capture`);
    }
    this.o.log.warn(
      { err, snapshot_id: c.row.id, sandbox_id: c.sandboxId },
      'snapshot capture failed',
    );
    // What it stored before failing belongs to nothing.
    void this.o.garbage.collect();
    await this.o.events.append({
      owner: c.owner,
      sandboxId: c.sandboxId,
      type: 'snapshot.failed',
      severity: 'warn',
      message: `Snapshot "${c.name}" failed: ${reason}`,
      payload: { snapshot_id: c.row.id, reason },
    });
    return new PaddockError('snapshot_failed', `the capture failed: ${reason}`, {
      snapshot_id: c.row.id,
      reason,
    });
  }

  private hashCacheOf(sandboxId: string): HashCache {
    let cache = this.hashCaches.get(sandboxId);
    if (cache !== undefined) this.hashCaches.delete(sandboxId);
    cache ??= new HashCache();
    this.hashCaches.set(sandboxId, cache);
    for (const oldest of this.hashCaches.keys()) {
      if (this.hashCaches.size <= HASH_CACHED_SANDBOXES) break;
      this.hashCaches.delete(oldest);
    }
    return cache;
  }
}

/** The reason a person can act on; internals stay in the log. */
function captureFailure(err: unknown): string {
  if (err instanceof CaptureLimitError) return err.message;
  if (err instanceof PaddockError) return err.message;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC') return 'the host has no disk space left for snapshot content';
  if (code === 'EIO') return 'a read or write error on the host disk';
  return 'an unexpected error (see the daemon log)';
}
