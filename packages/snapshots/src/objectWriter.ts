import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sha256Of } from './contentHash.js';
import type { Lease } from './lease.js';
import type { ObjectIndex } from './objectIndex.js';
import { writePack } from './packFile.js';
import { PACK_FLUSH_BYTES, PACKED_MAX_BYTES } from './packSizes.js';
import type { StoreSync } from './storeSync.js';
import { writeAll, writeNew } from './syncedFiles.js';

export class ContentTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`more than ${maxBytes} bytes`);
  }
}

/**
 * Stores new objects: a small one joins its lease's next pack, written out when the batch is
 * full or at commit (unsynced: StoreSync puts it on disk); a large one is written, synced and
 * renamed into `objects/` at once.
 */
export class ObjectWriter {
  /** Large objects being written right now: a second writer of the same bytes waits instead. */
  private readonly writing = new Map<string, Promise<void>>();

  constructor(
    private readonly index: ObjectIndex,
    private readonly syncs: StoreSync,
  ) {}

  /**
   * Hold `sha256` and say whether its object is already stored. Synchronous on purpose: a sweep
   * checks leases and removes synchronously too, so the two can never interleave between the
   * hold and the existence check.
   */
  holdExisting(lease: Lease, sha256: string): boolean {
    lease.hold(sha256);
    return this.index.has(sha256);
  }

  /** Store bytes already in memory. Returns the hash and how many bytes were newly written. */
  async putBuffer(lease: Lease, data: Buffer): Promise<{ sha256: string; written: number }> {
    const sha256 = sha256Of(data);
    if (data.length <= PACKED_MAX_BYTES) return this.putSmall(lease, sha256, data);
    if (this.holdExisting(lease, sha256)) return { sha256, written: 0 };
    const pending = this.writing.get(sha256);
    if (pending !== undefined) {
      await pending;
      return { sha256, written: 0 };
    }
    const write = (async () => {
      const tmp = this.index.tmpFile();
      // Synced before it is renamed in: a large object that is there is whole (see StoreSync).
      await writeNew(tmp, [data], true);
      try {
        await this.adopt(tmp, sha256);
      } catch (err) {
        fs.rmSync(tmp, { force: true });
        throw err;
      }
    })();
    this.writing.set(sha256, write);
    try {
      await write;
    } finally {
      this.writing.delete(sha256);
    }
    return { sha256, written: data.length };
  }

  /** Joins the lease's next pack; written out when the batch is full, or at commit. */
  private async putSmall(
    lease: Lease,
    sha256: string,
    data: Buffer,
  ): Promise<{ sha256: string; written: number }> {
    if (
      this.holdExisting(lease, sha256) ||
      lease.pending.has(sha256) ||
      [...lease.writing].some((batch) => batch.has(sha256))
    ) {
      return { sha256, written: 0 };
    }
    lease.pending.set(sha256, data);
    lease.pendingBytes += data.length;
    // A full batch is written out, and every reader of this lease waits for that write instead
    // of filling the next batch meanwhile: a lease holds at most about two batches in memory.
    while (lease.pendingBytes >= PACK_FLUSH_BYTES) await (lease.flushing ?? this.flush(lease));
    return { sha256, written: data.length };
  }

  /** Store a stream of unknown size, hashing as it arrives; a small one joins a pack. */
  async putStream(
    lease: Lease,
    chunks: AsyncIterable<Buffer>,
    maxBytes: number,
  ): Promise<{ sha256: string; size: number; written: number }> {
    const hash = crypto.createHash('sha256');
    const tmp = this.index.tmpFile();
    const held: Buffer[] = [];
    let fd: fs.promises.FileHandle | null = null;
    let size = 0;
    try {
      for await (const chunk of chunks) {
        size += chunk.length;
        if (size > maxBytes) throw new ContentTooLarge(maxBytes);
        hash.update(chunk);
        if (fd === null && size <= PACKED_MAX_BYTES) {
          held.push(chunk);
          continue;
        }
        if (fd === null) {
          fd = await fs.promises.open(tmp, 'wx', 0o600);
          await writeAll(fd.fd, held.splice(0));
        }
        await writeAll(fd.fd, [chunk]);
      }
      const sha256 = hash.digest('hex');
      if (fd === null) {
        const { written } = await this.putSmall(lease, sha256, Buffer.concat(held, size));
        return { sha256, size, written };
      }
      await fd.datasync();
      await fd.close();
      fd = null;
      if (this.holdExisting(lease, sha256)) {
        await fs.promises.rm(tmp, { force: true });
        return { sha256, size, written: 0 };
      }
      await this.adopt(tmp, sha256);
      return { sha256, size, written: size };
    } catch (err) {
      await fd?.close();
      await fs.promises.rm(tmp, { force: true });
      throw err;
    }
  }

  /** Renames a synced temp file in as the large object `sha256`. */
  private async adopt(tmp: string, sha256: string): Promise<void> {
    const target = this.index.loosePath(sha256);
    const prefix = sha256.slice(0, 2);
    if (!this.index.prefixDirs.has(prefix)) {
      await fs.promises.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      this.index.prefixDirs.add(prefix);
      this.syncs.dirChanged(this.index.objectsDir);
    }
    // Identical bytes either way, so a concurrent writer of the same object is harmless.
    await fs.promises.rename(tmp, target);
    this.index.loose.add(sha256);
    this.syncs.looseRenamed(sha256, path.dirname(target));
  }

  /** Writes out the lease's last pack and waits for its earlier ones (see ContentStore.commit). */
  async commit(lease: Lease): Promise<void> {
    if (lease.pending.size > 0) void this.flush(lease);
    await Promise.all(lease.flushes);
  }

  /** Writes the lease's batch as a pack; objects added meanwhile go into the next one. */
  private flush(lease: Lease): Promise<void> {
    const batch = lease.pending;
    lease.pending = new Map();
    lease.pendingBytes = 0;
    lease.writing.add(batch);
    const done = (async () => {
      try {
        const pack = await writePack(this.index.tmpFile(), this.index.packsDir, batch, false);
        this.syncs.packWritten(pack.file);
        this.index.addPack(pack);
      } finally {
        lease.writing.delete(batch);
      }
    })();
    lease.flushes.add(done);
    lease.flushing = done;
    const settled = () => {
      if (lease.flushing === done) lease.flushing = null;
    };
    done.then(settled, settled);
    return done;
  }
}
