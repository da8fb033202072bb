import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import { CannotOpen, SurvivalCheck, type ContentStore } from '@paddock/snapshots';
import type { EventLog } from '../events/eventLog.js';
import type { SnapshotRow, SnapshotStore } from './snapshotStore.js';

export interface SnapshotDurabilityOptions {
  rows: SnapshotStore;
  content: ContentStore;
  events: EventLog;
  log: FastifyBaseLogger;
}

/** Tries at a sync that could not open its files, before the rows are left to the next start. */
const SYNC_TRIES = 3;
const RETRY_MS = 1_000;

interface Waiting {
  row: SnapshotRow;
  /** The store's failed-sync count when its capture began. */
  failedSyncs: number;
  tries: number;
}

/**
 * Puts ready snapshots on disk after they are answered (ADR 0014). A capture is ready once its
 * content is written and its row says so; neither has reached the disk yet (the database does
 * not wait for it either: WAL, synchronous=NORMAL). This syncs the content store in the
 * background, every snapshot ready meanwhile in one go, then marks their rows durable. After a
 * crash of the machine, `recover` checks every snapshot not marked durable, byte by byte, and
 * fails the ones whose content did not survive: a snapshot may turn failed then, never broken.
 */
export class SnapshotDurability {
  private readonly waiting = new Map<string, Waiting>();
  private running: Promise<void> | null = null;

  constructor(private readonly o: SnapshotDurabilityOptions) {}

  /** Where a capture or import begins: what `track` will need to know about failed syncs. */
  begin(): number {
    return this.o.content.failedSyncs;
  }

  /** A snapshot just marked ready, to be put on disk; `failedSyncs` is what `begin` returned. */
  track(row: SnapshotRow, failedSyncs: number): void {
    this.waiting.set(row.id, { row, failedSyncs, tries: 0 });
    this.kick();
  }

  /** Resolves once every snapshot tracked so far is durable or failed (at shutdown, in tests). */
  async settle(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  private kick(): void {
    if (this.running !== null) return;
    this.running = this.drain()
      .catch((err: unknown) => this.o.log.error({ err }, 'putting snapshots on disk failed'))
      .finally(() => {
        this.running = null;
        // Tracked after the loop's last look, before this ran.
        if (this.waiting.size > 0) this.kick();
      });
  }

  private async drain(): Promise<void> {
    while (this.waiting.size > 0) {
      const batch = [...this.waiting.values()];
      this.waiting.clear();
      const countBefore = this.o.content.failedSyncs;
      let failure: unknown = null;
      try {
        await this.o.content.sync();
      } catch (err) {
        failure = err;
      }
      const failedSyncs = this.o.content.failedSyncs;
      if (failure !== null && failedSyncs === countBefore) {
        // Nothing was lost (a file could not be opened): the same rows try again shortly.
        await this.retry(batch, failure);
        continue;
      }
      const durable = batch.filter((s) => failure === null && s.failedSyncs === failedSyncs);
      try {
        await this.o.rows.markDurable(durable.map((s) => s.row.id));
      } catch (err) {
        // Not marked, but on disk: the next start checks them and marks them then.
        this.o.log.warn({ err }, 'could not mark snapshots durable');
      }
      const lost = batch.filter((s) => !durable.includes(s));
      if (lost.length > 0) {
        this.o.log.error({ err: failure }, 'snapshot content could not be written to disk');
        for (const { row } of lost) {
          await this.fail(row, 'its content could not be written to disk').catch((err: unknown) =>
            // Left ready but not durable: the next start checks it again.
            this.o.log.error({ err, snapshot_id: row.id }, 'could not mark a snapshot failed'),
          );
        }
      }
    }
  }

  private async retry(batch: Waiting[], failure: unknown): Promise<void> {
    const again = batch.filter((s) => ++s.tries < SYNC_TRIES);
    this.o.log.warn({ err: failure, snapshots: batch.length }, 'snapshot sync could not run');
    if (again.length < batch.length) {
      this.o.log.error('snapshots left unsynced; the next start checks them');
    }
    if (again.length === 0) return;
    await sleep(RETRY_MS);
    for (const s of again) if (!this.waiting.has(s.row.id)) this.waiting.set(s.row.id, s);
  }

  /**
   * At start, before anything reads or captures snapshots. First every ready snapshot not marked
   * durable has its objects read back and hashed, and every file holding a damaged one is set
   * aside (ContentStore.checkObjects). Then the store syncs everything the last run wrote.
   * Only then is each of those snapshots decided: durable when all its objects are still there,
   * failed otherwise; in that order, so a snapshot whose objects share a file with another's
   * damaged one is never marked durable first.
   */
  async recover(): Promise<{ checked: number; failed: number }> {
    const rows = await this.o.rows.listUndurable();
    const survival = new SurvivalCheck(this.o.content);
    const objects = new Map<string, string[] | string>();
    for (const row of rows) objects.set(row.id, await survival.objectsOf(row.manifest_sha256));
    let synced = true;
    try {
      await this.o.content.sync();
    } catch (err) {
      // What a failed sync may have lost is no longer in the store: the check below sees it.
      // A file that could not be opened lost nothing, but is not on disk yet either.
      synced = !(err instanceof CannotOpen);
      this.o.log.error({ err }, 'syncing the snapshot store at start failed');
    }
    let failed = 0;
    for (const row of rows) {
      const problem = survival.problemOf(objects.get(row.id)!);
      if (problem === undefined) {
        // Not synced: left for the next start to check again.
        if (synced) await this.o.rows.markDurable([row.id]);
        continue;
      }
      failed++;
      this.o.log.error({ snapshot_id: row.id, problem }, 'a snapshot did not survive a crash');
      await this.fail(row, `its content did not survive a crash (${problem})`);
    }
    return { checked: rows.length, failed };
  }

  /** Failed, its content let go (a sweep collects it), and said so in its sandbox's events. */
  private async fail(row: SnapshotRow, reason: string): Promise<void> {
    const updated = await this.o.rows.failReady(row.id, reason);
    if (!updated) return; // deleted meanwhile
    await this.o.events.append({
      owner: row.owner_id,
      sandboxId: row.sandbox_id,
      type: 'snapshot.failed',
      severity: 'error',
      message: `Snapshot "${row.name}" was lost: ${reason}`,
      payload: { snapshot_id: row.id, reason },
    });
  }
}
