import type { Readable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { getPreset } from '@paddock/presets';
import { PaddockError, type HostWorkspace, type SandboxDriver } from '@paddock/shared';
import {
  CaptureLimitError,
  DEFAULT_EXCLUDED_NAMES,
  HashCache,
  captureWorkspace,
  checkManifest,
  exportArchive,
  importArchive,
  manifestObjects,
  readManifest,
  restoreWorkspace,
  type ContentStore,
  type Lease,
  type SnapshotManifest,
} from '@paddock/snapshots';
import type { EventLog } from '../events/eventLog.js';
import type { SandboxFiller, SandboxService } from '../sandboxes/sandboxService.js';
import type { SandboxRow } from '../sandboxes/sandboxStore.js';
import { Slots } from './slots.js';
import { SnapshotDurability } from './snapshotDurability.js';
import type { SnapshotRow, SnapshotStore } from './snapshotStore.js';

export interface SnapshotServiceOptions {
  rows: SnapshotStore;
  /** `<dataDir>/snapshots`: the content store every snapshot of every app shares. */
  content: ContentStore;
  driver: SandboxDriver;
  sandboxes: SandboxService;
  events: EventLog;
  log: FastifyBaseLogger;
  /** A capture or import fails past this many bytes of file content. */
  maxBytes: number;
  /** Bytes of files one owner's snapshots may describe in all (a setting: read at each use). */
  storageLimitBytes: () => number;
  maxEntries?: number;
}

/** How many sandboxes' hash caches are kept (each is a path and a hash per workspace file). */
const HASH_CACHED_SANDBOXES = 16;

/** A few skipped special files are worth naming; a workspace full of sockets is not. */
const SKIPPED_SHOWN = 100;

/**
 * Snapshots of workspaces: capture (frozen, content-addressed), restore into a sandbox, export
 * and import as tar, and garbage collection of content no snapshot refers to any more.
 */
export class SnapshotService {
  /** Per sandbox, what its last captures hashed (the most recently captured sandboxes only). */
  private readonly hashCaches = new Map<string, HashCache>();
  /** Captures, imports and restores at once: each holds a manifest and buffers in memory. */
  private readonly slots = new Slots(2);
  private sweepRunning: Promise<void> | null = null;
  private sweepAgain = false;
  private readonly durability: SnapshotDurability;

  constructor(private readonly o: SnapshotServiceOptions) {
    this.durability = new SnapshotDurability(o);
  }

  private get limits() {
    return { maxBytes: this.o.maxBytes, maxEntries: this.o.maxEntries ?? 200_000 };
  }

  /**
   * At start: ready snapshots a crash may have cut short are checked, unfinished captures are
   * failed (never left looking ready); garbage goes after.
   */
  async reconcile(): Promise<void> {
    const { failed: lost } = await this.durability.recover();
    if (lost > 0) this.o.log.error({ lost }, 'snapshots whose content did not survive were failed');
    const failed = await this.o.rows.failUnfinished('the daemon stopped during the capture');
    if (failed > 0) this.o.log.warn({ failed }, 'marked interrupted snapshot captures failed');
    if (this.o.content.untrustedPacks.length > 0) {
      this.o.log.error(
        { packs: this.o.content.untrustedPacks },
        'snapshot packs that do not check out were set aside (*.untrusted); snapshots using them will not restore',
      );
    }
    // Reads every manifest: not worth delaying the start for; leases keep it safe meanwhile.
    void this.collectGarbage();
  }

  async get(owner: string, id: string): Promise<SnapshotRow> {
    const row = await this.o.rows.get(owner, id);
    if (!row) throw new PaddockError('not_found', `no snapshot ${id}`);
    return row;
  }

  async getReady(owner: string, id: string): Promise<SnapshotRow> {
    const row = await this.get(owner, id);
    if (row.status !== 'ready') {
      throw new PaddockError(
        'snapshot_not_ready',
        `snapshot ${id} is ${row.status}${row.error ? `: ${row.error}` : ''}`,
      );
    }
    return row;
  }

  listForApp(owner: string, appId: string, q: { limit: number; cursor?: string }) {
    return this.o.rows.listForApp(owner, appId, q);
  }

  /**
   * Captures the sandbox's workspace. The sandbox is frozen while its files are read, so the
   * snapshot is one moment of it; the row turns ready only after every byte is stored, and a
   * capture that fails is recorded as failed with the reason, then reported as `snapshot_failed`.
   */
  async capture(owner: string, sandboxId: string, name: string): Promise<SnapshotRow> {
    const started = performance.now();
    const failedSyncs = this.durability.begin();
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
    const room = this.roomFor(owner);
    room.catch(() => undefined); // awaited below, or not at all if the sandbox is gone
    const lease = this.o.content.lease();
    let frozenMs: number | null = null;
    const capturing = this.slots.run(() =>
      this.o.driver.withWorkspace(sandboxId, async (ws) => {
        assertQuiesced(ws);
        const reading = performance.now();
        await inserting; // a capture with no row to record it on is not worth reading
        const left = await room;
        if (left <= 0) throw this.overQuota({ described: this.o.storageLimitBytes() - left });
        try {
          return await captureWorkspace({
            root: ws.root,
            store: this.o.content,
            lease,
            excludedNames: excludedNamesFor(sandbox),
            ...this.limits,
            cache: this.hashCacheOf(sandboxId),
          });
        } finally {
          if (ws.frozen) frozenMs = Math.round(performance.now() - reading);
        }
      }),
    );
    // Both settle first, so a failed capture always has its row to be recorded on.
    const [inserted, captured] = await Promise.allSettled([inserting, capturing]);
    if (inserted.status === 'rejected') {
      lease.release();
      void this.collectGarbage();
      throw inserted.reason;
    }
    const row = inserted.value;
    let ready: SnapshotRow;
    try {
      if (captured.status === 'rejected') throw captured.reason;
      const result = captured.value;
      // Checked like any manifest before anything may rely on it.
      checkManifest(result.manifest);
      ready = await this.markReady(row, lease, result, started, failedSyncs, {
        skipped_json: JSON.stringify(result.skipped.slice(0, SKIPPED_SHOWN)),
        frozen_ms: frozenMs,
      });
    } catch (err) {
      if (err instanceof PaddockError && err.code === 'snapshot_quota_exceeded') {
        // Refused, not failed: nothing is kept, row or content.
        await this.o.rows.remove(row.id);
        lease.release();
        void this.collectGarbage();
        throw err;
      }
      const reason = captureFailure(err);
      const failed = {
        status: 'failed',
        error: reason,
        duration_ms: Math.round(performance.now() - started),
        frozen_ms: frozenMs,
      } as const;
      const marked = await this.o.rows.update(row, failed).then(
        () => true,
        (e: unknown) => {
          if (e instanceof PaddockError && e.code === 'not_found') return false;
          throw e;
        },
      );
      if (!marked) {
        // Its app was purged meanwhile, row and all: nothing to report it on.
        lease.release();
        void this.collectGarbage();
        throw new PaddockError('not_found', `snapshot ${row.id} was deleted during the capture`);
      }
      this.o.log.warn(
        { err, snapshot_id: row.id, sandbox_id: sandboxId },
        'snapshot capture failed',
      );
      lease.release();
      // What it stored before failing belongs to nothing.
      void this.collectGarbage();
      await this.o.events.append({
        owner,
        sandboxId,
        type: 'snapshot.failed',
        severity: 'warn',
        message: `Snapshot "${name}" failed: ${reason}`,
        payload: { snapshot_id: row.id, reason },
      });
      throw new PaddockError('snapshot_failed', `the capture failed: ${reason}`, {
        snapshot_id: row.id,
        reason,
      });
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

  /**
   * Makes the sandbox's workspace equal to the snapshot, files owned by that sandbox's uid.
   * The caller decides whether the sandbox runs meanwhile (it is frozen if it does).
   */
  async restoreInto(
    sandbox: SandboxRow,
    snapshot: SnapshotRow,
  ): Promise<{ files: number; bytes: number }> {
    const lease = this.o.content.lease();
    try {
      const manifest = await this.manifestOf(snapshot);
      for (const sha of manifestObjects(manifest)) lease.hold(sha);
      // Held now, so no sweep removes them; a snapshot deleted before the hold is gone for good.
      if (!(await this.o.rows.get(snapshot.owner_id, snapshot.id))) {
        throw new PaddockError('not_found', `no snapshot ${snapshot.id}`);
      }
      return await this.slots.run(() =>
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

  /** For a new sandbox that starts from the snapshot: fills its workspace before anything runs. */
  async filler(owner: string, snapshotId: string): Promise<SandboxFiller> {
    const snapshot = await this.getReady(owner, snapshotId);
    return async (sandbox) => {
      const started = performance.now();
      const restored = await this.restoreInto(sandbox, snapshot);
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

  /** Deletes the snapshot, then the content no other snapshot shares. */
  async delete(owner: string, id: string): Promise<void> {
    const row = await this.get(owner, id);
    if (row.status === 'capturing') {
      throw new PaddockError('conflict', `snapshot ${id} is still being captured`);
    }
    await this.o.rows.remove(id);
    await this.o.events.append({
      owner,
      sandboxId: row.sandbox_id,
      type: 'snapshot.deleted',
      message: `Snapshot "${row.name}" deleted`,
      payload: { snapshot_id: id },
    });
    await this.collectGarbage();
  }

  async export(owner: string, id: string): Promise<{ row: SnapshotRow; stream: Readable }> {
    const row = await this.getReady(owner, id);
    const manifest = await this.manifestOf(row);
    const lease = this.o.content.lease();
    for (const sha of manifestObjects(manifest)) lease.hold(sha);
    // Held now; deleted (and swept) before the hold, it is gone: no truncated archive.
    if (!(await this.o.rows.get(owner, id))) {
      lease.release();
      throw new PaddockError('not_found', `no snapshot ${id}`);
    }
    const stream = exportArchive(manifest, this.o.content);
    stream.once('close', () => lease.release());
    return { row, stream };
  }

  /** Takes a tar (or tar.gz) from outside, validated entry by entry, as a new snapshot. */
  async import(owner: string, name: string, body: AsyncIterable<Buffer>): Promise<SnapshotRow> {
    const started = performance.now();
    const failedSyncs = this.durability.begin();
    const room = await this.roomFor(owner);
    if (room <= 0) throw this.overQuota({ described: this.o.storageLimitBytes() - room });
    const row = await this.o.rows.insert({
      owner,
      name,
      source: 'import',
      appId: null,
      sandboxId: null,
    });
    const lease = this.o.content.lease();
    try {
      const result = await this.slots.run(() =>
        importArchive(body, this.o.content, lease, this.limits),
      );
      const ready = await this.markReady(row, lease, result, started, failedSyncs);
      await this.o.events.append({
        owner,
        sandboxId: null,
        type: 'snapshot.imported',
        message: `Snapshot "${name}" imported`,
        payload: { snapshot_id: row.id, files: result.files, size_bytes: result.bytes },
      });
      return ready;
    } catch (err) {
      // A refused archive leaves no snapshot behind; what it stored so far is garbage.
      await this.o.rows.remove(row.id);
      lease.release();
      void this.collectGarbage();
      throw err;
    } finally {
      lease.release();
    }
  }

  private async manifestOf(row: SnapshotRow): Promise<SnapshotManifest> {
    if (row.manifest_sha256 === null) {
      throw new PaddockError('snapshot_not_ready', `snapshot ${row.id} has no content`);
    }
    return readManifest(this.o.content, row.manifest_sha256);
  }

  /**
   * The manifest stored beside the content, then the row marked ready within the owner's
   * storage limit (over it: `snapshot_quota_exceeded`), then handed on to be put on disk.
   */
  private async markReady(
    row: SnapshotRow,
    lease: Lease,
    result: { manifest: SnapshotManifest; files: number; bytes: number; written: number },
    started: number,
    failedSyncs: number,
    fields: Partial<SnapshotRow> = {},
  ): Promise<SnapshotRow> {
    const manifest = await this.storeManifest(lease, result.manifest);
    const ready = await this.o.rows.updateWithin(
      row,
      {
        status: 'ready',
        manifest_sha256: manifest.sha256,
        files: result.files,
        size_bytes: result.bytes,
        new_bytes: result.written + manifest.written,
        consistent: 1,
        duration_ms: Math.round(performance.now() - started),
        ready_at: new Date().toISOString(),
        ...fields,
      },
      this.o.storageLimitBytes(),
    );
    if (ready === 'over') throw this.overQuota({ adding: result.bytes });
    this.durability.track(ready, failedSyncs);
    return ready;
  }

  /**
   * The manifest stored beside the content, and all of it written: then it may be ready. It is
   * put on disk right after (see SnapshotDurability).
   */
  private async storeManifest(
    lease: Lease,
    manifest: SnapshotManifest,
  ): Promise<{ sha256: string; written: number }> {
    const stored = await this.o.content.putBuffer(lease, Buffer.from(JSON.stringify(manifest)));
    await this.o.content.commit(lease);
    this.compactPacks();
    return stored;
  }

  /** Merges the store's small packs in the background once enough have gathered. */
  private compactPacks(): void {
    const failed = (err: unknown) => this.o.log.warn({ err }, 'merging snapshot packs failed');
    this.o.content.compact().then((r) => r.errors.forEach(failed), failed);
  }

  /**
   * Bytes the owner's next snapshot may describe, looked up before it is captured so that an
   * owner already at the limit is refused before anything is read. The limit itself is held by
   * SnapshotStore.updateWithin, in the statement that marks a snapshot ready.
   */
  private async roomFor(owner: string): Promise<number> {
    return this.o.storageLimitBytes() - (await this.o.rows.describedBytes(owner));
  }

  private overQuota(over: { adding: number } | { described: number }): PaddockError {
    const mib = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
    const limit = `${mib(this.o.storageLimitBytes())} (snapshot_storage_mb)`;
    return new PaddockError(
      'snapshot_quota_exceeded',
      'adding' in over
        ? `this snapshot (${mib(over.adding)}) would take your snapshots past ${limit}; delete some first`
        : `your snapshots already describe ${mib(over.described)}, the most is ${limit}; delete some first`,
    );
  }

  /** Waits for ready snapshots to reach the disk: at shutdown, and in tests. */
  settle(): Promise<void> {
    return this.durability.settle();
  }

  /** One sweep at a time; a request during a sweep runs one more after it. */
  collectGarbage(): Promise<void> {
    if (this.sweepRunning !== null) {
      this.sweepAgain = true;
      return this.sweepRunning;
    }
    const run = async () => {
      do {
        this.sweepAgain = false;
        const swept = await this.o.content.sweep(() => this.referenced());
        if (swept.removed > 0) {
          this.o.log.info(
            { objects: swept.removed, bytes: swept.bytes },
            'snapshot content collected',
          );
        }
        for (const err of swept.rewriteErrors) {
          this.o.log.warn({ err }, 'a snapshot pack could not be rewritten; it stays as it was');
        }
      } while (this.sweepAgain);
    };
    this.sweepRunning = run()
      .catch((err: unknown) => this.o.log.error({ err }, 'snapshot garbage collection failed'))
      .finally(() => {
        this.sweepRunning = null;
      });
    return this.sweepRunning;
  }

  private async referenced(): Promise<Set<string>> {
    const keep = new Set<string>();
    for (const sha of await this.o.rows.manifestHashes()) {
      keep.add(sha);
      // A manifest that cannot be read (even for a moment) throws: better no sweep than a sweep
      // that takes content a snapshot still needs.
      for (const o of manifestObjects(await readManifest(this.o.content, sha))) keep.add(o);
    }
    return keep;
  }
}

/** The defaults plus what the sandbox's preset declares. */
function excludedNamesFor(sandbox: SandboxRow): Set<string> {
  const preset = sandbox.preset === null ? undefined : getPreset(sandbox.preset);
  return new Set([...DEFAULT_EXCLUDED_NAMES, ...(preset?.snapshotExclude ?? [])]);
}

/** Without a freezer a running sandbox could change paths under the root walk: refused. */
function assertQuiesced(ws: HostWorkspace): void {
  if (!ws.quiesced) {
    throw new PaddockError(
      'conflict',
      'this host cannot freeze a running sandbox (no cgroup freezer); stop the sandbox first',
    );
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

/** The reason a person can act on; internals stay in the log. */
function captureFailure(err: unknown): string {
  if (err instanceof CaptureLimitError) return err.message;
  if (err instanceof PaddockError) return err.message;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC') return 'the host has no disk space left for snapshot content';
  if (code === 'EIO') return 'a read or write error on the host disk';
  return 'an unexpected error (see the daemon log)';
}
