import type { Readable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { PaddockError, type SandboxDriver } from '@paddock/shared';
import type { ContentStore, ImportOptions, SnapshotManifest } from '@paddock/snapshots';
import type { EventLog } from '../events/eventLog.js';
import type { SandboxFiller, SandboxService } from '../sandboxes/sandboxService.js';
import type { SandboxRow, SandboxStore } from '../sandboxes/sandboxStore.js';
import { Slots } from './slots.js';
import { SnapshotArchives } from './snapshotArchives.js';
import { SnapshotCapture } from './snapshotCapture.js';
import { SnapshotCommit } from './snapshotCommit.js';
import { SnapshotDurability } from './snapshotDurability.js';
import { SnapshotGarbage } from './snapshotGarbage.js';
import type { SnapshotHistory } from './snapshotHistory.js';
import { SnapshotQuota } from './snapshotQuota.js';
import { SnapshotRestore } from './snapshotRestore.js';
import type { SnapshotRow, SnapshotStore } from './snapshotStore.js';

export interface SnapshotServiceOptions {
  rows: SnapshotStore;
  /** `<dataDir>/snapshots`: the content store every snapshot of every app shares. */
  content: ContentStore;
  driver: SandboxDriver;
  sandboxes: SandboxService;
  sandboxRows: SandboxStore;
  events: EventLog;
  log: FastifyBaseLogger;
  /** The provenance record, copied along with the code. */
  history: SnapshotHistory;
  /** A capture or import fails past this many bytes of file content. */
  maxBytes: number;
  /** Bytes of files one owner's snapshots may describe in all (a setting: read at each use). */
  storageLimitBytes: (owner: string) => number;
  maxEntries?: number;
}

/**
 * Snapshots of workspaces: capture (frozen, content-addressed), restore into a sandbox, export
 * and import as tar, and garbage collection of content no snapshot refers to any more. The
 * work is done by one part per job (SnapshotCapture, SnapshotRestore, SnapshotArchives, with
 * SnapshotCommit, SnapshotQuota, SnapshotGarbage and SnapshotDurability under them); this class
 * is what the rest of the daemon calls.
 */
export class SnapshotService {
  private readonly durability: SnapshotDurability;
  private readonly limits: { maxBytes: number; maxEntries: number };
  private readonly garbage: SnapshotGarbage;
  private readonly captures: SnapshotCapture;
  private readonly restores: SnapshotRestore;
  private readonly archives: SnapshotArchives;

  constructor(private readonly o: SnapshotServiceOptions) {
    this.durability = new SnapshotDurability(o);
    this.garbage = new SnapshotGarbage(o);
    const quota = new SnapshotQuota(o);
    const commit = new SnapshotCommit({
      ...o,
      durability: this.durability,
      quota,
      garbage: this.garbage,
    });
    // Captures, imports and restores at once: each holds a manifest and buffers in memory.
    const slots = new Slots(2);
    const limits = { maxBytes: o.maxBytes, maxEntries: o.maxEntries ?? 200_000 };
    this.limits = limits;
    const parts = { ...o, slots, quota, commit, garbage: this.garbage, limits };
    this.captures = new SnapshotCapture(parts);
    this.restores = new SnapshotRestore(parts);
    this.archives = new SnapshotArchives(parts);
  }

  /**
   * At start: ready snapshots a crash may have cut short are checked, unfinished captures are
   * failed (never left looking ready); garbage goes after.
   */
  async reconcile(): Promise<void> {
    const { failed: lost } = await this.durability.recover();
    if (lost > 0) this.o.log.error({ lost }, 'snapshots whose content did not survive were failed');
    const resumed = await this.restores.resume();
    if (resumed > 0) this.o.log.warn({ resumed }, 'finished restores the daemon stopped during');
    for (const id of await this.o.rows.unfinishedImports()) {
      // Like a refused archive: its client got no answer, and it leaves no snapshot behind.
      await this.o.rows.remove(id);
      await this.o.history.forget(id);
    }
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

  /** Captures the sandbox's workspace, frozen (see SnapshotCapture.capture). */
  capture(owner: string, sandboxId: string, name: string): Promise<SnapshotRow> {
    return this.captures.capture(owner, sandboxId, name);
  }

  /** Makes the sandbox's workspace equal to the snapshot (see SnapshotRestore.restoreInto). */
  restoreInto(
    sandbox: SandboxRow,
    snapshot: SnapshotRow,
  ): Promise<{ files: number; bytes: number }> {
    return this.restores.restoreInto(sandbox, snapshot);
  }

  /** For a new sandbox that starts from the snapshot: fills its workspace before anything runs. */
  async filler(owner: string, snapshotId: string): Promise<SandboxFiller> {
    return this.restores.fillerFor(await this.getReady(owner, snapshotId));
  }

  /** Deletes the snapshot, then the content no other snapshot shares. */
  async delete(owner: string, id: string): Promise<void> {
    const row = await this.get(owner, id);
    if (row.status === 'capturing') {
      throw new PaddockError('conflict', `snapshot ${id} is still being captured`);
    }
    await this.o.rows.remove(id);
    await this.o.history.forget(id);
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
    return this.archives.export(await this.getReady(owner, id));
  }

  /** Runs `fn` over a ready snapshot's files (see SnapshotArchives.read). */
  async read<T>(
    owner: string,
    id: string,
    fn: (manifest: SnapshotManifest, open: (sha256: string) => Readable) => Promise<T>,
  ): Promise<T> {
    return this.archives.read(await this.getReady(owner, id), fn);
  }

  /**
   * Takes a tar (or tar.gz) from outside, validated entry by entry, as a new snapshot, with the
   * history it carries. `agentKeyId`: it came through an agent key (an agent's change).
   */
  import(
    owner: string,
    name: string,
    body: AsyncIterable<Buffer>,
    agentKeyId: string | null = null,
    options: ImportOptions = {},
  ): Promise<SnapshotRow> {
    return this.archives.import(owner, name, body, agentKeyId, options);
  }

  /** What one import may hold: the bounds an upload is read within before it is imported. */
  get importLimits(): { maxBytes: number; maxEntries: number } {
    return { ...this.limits };
  }

  /** Waits for ready snapshots to reach the disk: at shutdown, and in tests. */
  settle(): Promise<void> {
    return this.durability.settle();
  }

  /** One sweep at a time; a request during a sweep runs one more after it. */
  collectGarbage(): Promise<void> {
    return this.garbage.collect();
  }
}
