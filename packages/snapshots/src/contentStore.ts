import type { Readable } from 'node:stream';
import { Leases, type Lease } from './lease.js';
import { checkObjects } from './objectCheck.js';
import { ObjectIndex } from './objectIndex.js';
import { copyObjectTo, objectStream, readObject } from './objectReads.js';
import { ObjectWriter } from './objectWriter.js';
import { PackMerger } from './packMerge.js';
import { StoreSync } from './storeSync.js';
import { sweepObjects, type SweepResult } from './storeSweep.js';

/**
 * Content stored once by the SHA-256 of its bytes, shared by every snapshot of every app on the
 * host. Small objects live in packs (`packs/<random>.pack`, see packFile.ts), one per capture or
 * per 32 MiB of it; larger ones as files of their own (`objects/<2 hex>/<62 hex>`). Both are
 * written to `tmp/` first and renamed in. `commit` writes a lease's objects; `sync` then puts
 * everything written so far on disk (ADR 0014: the snapshot is answered between the two). What
 * a crash of the machine can leave: a large object is synced before its rename, so it is whole
 * or absent; a pack may be cut short, which its trailer shows at start (it is set aside); a
 * rename may be lost, so the object is absent. A file system that could show a file longer than
 * the data written to it (ext4 data=writeback) could leave a pack with a whole trailer over
 * lost bytes: `checkObjects` finds that for the snapshots not yet synced.
 *
 * The work is done by one part per job: ObjectIndex (where each object lies), ObjectWriter
 * (storing), objectReads, StoreSync (durability), objectCheck (damage after a crash),
 * PackMerger and storeSweep (garbage collection), Leases (what a sweep must keep).
 */
export class ContentStore {
  private readonly index: ObjectIndex;
  private readonly syncs: StoreSync;
  private readonly writer: ObjectWriter;
  private readonly merger: PackMerger;
  private readonly leases = new Leases();
  /** Sweeps and compactions, one at a time. */
  private sweepQueue: Promise<unknown> = Promise.resolve();

  constructor(readonly root: string) {
    this.index = new ObjectIndex(root);
    this.syncs = new StoreSync(this.index, this.index.load());
    this.writer = new ObjectWriter(this.index, this.syncs);
    this.merger = new PackMerger(this.index);
  }

  /**
   * Pack files that do not check out (found so at start, or holding an object a check or a
   * failed sync found damaged): renamed `*.untrusted`, never read.
   */
  get untrustedPacks(): string[] {
    return this.index.untrustedPacks;
  }

  lease(): Lease {
    return this.leases.open();
  }

  /** Whether the object is stored (committed, or at least renamed in). */
  has(sha256: string): boolean {
    return this.index.has(sha256);
  }

  /**
   * Hold `sha256` and say whether its object is already stored. Synchronous on purpose: a sweep
   * checks leases and removes synchronously too, so the two can never interleave between the
   * hold and the existence check.
   */
  holdExisting(lease: Lease, sha256: string): boolean {
    return this.writer.holdExisting(lease, sha256);
  }

  /** Store bytes already in memory. Returns the hash and how many bytes were newly written. */
  putBuffer(lease: Lease, data: Buffer): Promise<{ sha256: string; written: number }> {
    return this.writer.putBuffer(lease, data);
  }

  /** Store a stream of unknown size, hashing as it arrives; a small one joins a pack. */
  putStream(
    lease: Lease,
    chunks: AsyncIterable<Buffer>,
    maxBytes: number,
  ): Promise<{ sha256: string; size: number; written: number }> {
    return this.writer.putStream(lease, chunks, maxBytes);
  }

  /**
   * Writes out everything the lease stored: its last pack, and its earlier packs finished. The
   * objects are then readable, and survive a crash of the daemon; `sync` makes them survive a
   * crash of the machine. A lease released without a commit loses the small objects it has not
   * yet written.
   */
  commit(lease: Lease): Promise<void> {
    return this.writer.commit(lease);
  }

  /** Puts on disk every object committed before this call (see StoreSync.sync). */
  sync(): Promise<void> {
    return this.syncs.sync();
  }

  /**
   * How many syncs have failed since the store opened. A snapshot whose capture began before
   * the count last rose may rest on objects that sync lost: it must not be called durable.
   */
  get failedSyncs(): number {
    return this.syncs.failedSyncs;
  }

  /** After a restart: reads back and hashes each object (see objectCheck.ts). */
  checkObjects(sha256s: Iterable<string>): Promise<Map<string, string>> {
    return checkObjects(this.index, sha256s);
  }

  /** An object's bytes in memory, checked against its hash (manifests, small files). */
  readObject(sha256: string): Promise<Buffer> {
    return readObject(this.index, sha256);
  }

  /** An object's bytes as a stream (exports). A small one is read whole and checked first. */
  objectStream(sha256: string): Readable {
    return objectStream(this.index, sha256);
  }

  /** A new file at `dest` (which must not exist) holding the object's bytes, mode 0600. */
  copyObjectTo(sha256: string, dest: string): Promise<void> {
    return copyObjectTo(this.index, sha256, dest);
  }

  /**
   * Remove every object neither `referenced()` (committed snapshots, read after the sweep has
   * begun) nor held by a lease. A lease released during the sweep keeps protecting until the
   * sweep ends, because its snapshot may have been committed after `referenced()` was read.
   * A pack goes once nothing in it is wanted; packs mostly garbage, and small ones, are
   * rewritten together into one. Sweeps run one at a time.
   */
  sweep(referenced: () => Promise<Set<string>>): Promise<SweepResult> {
    return this.inTurn(() =>
      this.leases.duringSweep(async () => {
        const keep = await referenced();
        const wanted = (sha256: string) => keep.has(sha256) || this.leases.isHeld(sha256);
        return sweepObjects(this.index, this.merger, wanted);
      }),
    );
  }

  /**
   * Merges the small packs once COMPACT_AT of them have gathered. Each commit writes a pack, and
   * a sweep (after a deletion) is the other thing that merges them: a store nobody deletes from
   * would grow a file per capture, each index read at every start. Nothing is removed, so no
   * lease or reference needs checking; runs in turn with sweeps.
   */
  compact(): Promise<{ merged: number; errors: unknown[] }> {
    return this.inTurn(() => this.merger.compact());
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const run = this.sweepQueue.then(work);
    this.sweepQueue = run.catch(() => undefined);
    return run;
  }

  /** Objects stored and the bytes their files take on disk (for metrics and tests). */
  usage(): Promise<{ objects: number; bytes: number; packs: number }> {
    return this.index.usage();
  }
}
