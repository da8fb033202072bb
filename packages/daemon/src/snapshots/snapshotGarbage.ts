import type { FastifyBaseLogger } from 'fastify';
import { manifestObjects, readManifest, type ContentStore } from '@paddock/snapshots';
import type { SnapshotStore } from './snapshotStore.js';

export interface SnapshotGarbageOptions {
  rows: SnapshotStore;
  content: ContentStore;
  log: FastifyBaseLogger;
}

/**
 * The content store's upkeep: the mark (every object a snapshot row still points at) for its
 * sweep, and merging small packs. Failures are logged, never thrown at the capture that asked.
 */
export class SnapshotGarbage {
  private sweepRunning: Promise<void> | null = null;
  private sweepAgain = false;

  constructor(private readonly o: SnapshotGarbageOptions) {}

  /** One sweep at a time; a request during a sweep runs one more after it. */
  collect(): Promise<void> {
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

  /** Merges the store's small packs in the background once enough have gathered. */
  compactPacks(): void {
    const failed = (err: unknown) => this.o.log.warn({ err }, 'merging snapshot packs failed');
    this.o.content.compact().then((r) => r.errors.forEach(failed), failed);
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
