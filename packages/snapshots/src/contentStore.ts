import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * The hashes one capture or import is using. While a lease holds a hash, a sweep never removes
 * that object, even before the snapshot that refers to it is committed (see `sweep`).
 */
export class Lease {
  readonly hashes = new Set<string>();
  private released = false;
  constructor(private readonly onRelease: (lease: Lease) => void) {}
  hold(sha256: string): void {
    this.hashes.add(sha256);
  }
  /** Call after the snapshot is committed (or given up): from then on, references protect it. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.onRelease(this);
  }
}

/**
 * Files stored once by the SHA-256 of their bytes: `objects/<2 hex>/<62 hex>`, written to
 * `tmp/` first and renamed in, so an object is either whole or absent. Shared by every snapshot
 * of every app on the host.
 */
export class ContentStore {
  private readonly objectsDir: string;
  private readonly tmpDir: string;
  private readonly leases = new Set<Lease>();
  /** Leases released while a sweep ran: they keep protecting until that sweep ends. */
  private readonly lingering = new Set<Lease>();
  private sweeping = 0;
  /** Objects being written right now: a second writer of the same bytes waits instead. */
  private readonly writing = new Map<string, Promise<void>>();
  /** Object dirs with renames not yet made durable (see syncDirs). */
  private readonly renamedInto = new Set<string>();
  /** The `objects/<2 hex>` dirs known to exist (a sweep leaves them in place). */
  private readonly prefixDirs = new Set<string>();

  constructor(readonly root: string) {
    this.objectsDir = path.join(root, 'objects');
    this.tmpDir = path.join(root, 'tmp');
    fs.mkdirSync(this.objectsDir, { recursive: true, mode: 0o700 });
    // Whatever a crash left half-written is garbage.
    fs.rmSync(this.tmpDir, { recursive: true, force: true });
    fs.mkdirSync(this.tmpDir, { mode: 0o700 });
  }

  objectPath(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return path.join(this.objectsDir, sha256.slice(0, 2), sha256.slice(2));
  }

  lease(): Lease {
    const lease = new Lease((l) => {
      this.leases.delete(l);
      if (this.sweeping > 0) this.lingering.add(l);
    });
    this.leases.add(lease);
    return lease;
  }

  /**
   * Hold `sha256` and say whether its object is already stored. Synchronous on purpose: a sweep
   * checks leases and unlinks synchronously too, so the two can never interleave between the
   * hold and the existence check.
   */
  holdExisting(lease: Lease, sha256: string): boolean {
    lease.hold(sha256);
    return fs.existsSync(this.objectPath(sha256));
  }

  /** Store bytes already in memory. Returns the hash and how many bytes were newly written. */
  async putBuffer(lease: Lease, data: Buffer): Promise<{ sha256: string; written: number }> {
    const sha256 = crypto.createHash('sha256').update(data).digest('hex');
    if (this.holdExisting(lease, sha256)) return { sha256, written: 0 };
    const pending = this.writing.get(sha256);
    if (pending !== undefined) {
      await pending;
      return { sha256, written: 0 };
    }
    const write = (async () => {
      const tmp = this.tmpFile();
      try {
        const fd = await fs.promises.open(tmp, 'wx', 0o600);
        try {
          await fd.writeFile(data);
          await fd.datasync();
        } finally {
          await fd.close();
        }
        await this.adopt(tmp, sha256);
      } catch (err) {
        await fs.promises.rm(tmp, { force: true });
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

  /** Store a stream of unknown size, hashing while it is written to a temp file. */
  async putStream(
    lease: Lease,
    chunks: AsyncIterable<Buffer>,
    maxBytes: number,
  ): Promise<{ sha256: string; size: number; written: number }> {
    const hash = crypto.createHash('sha256');
    const tmp = this.tmpFile();
    const fd = await fs.promises.open(tmp, 'wx', 0o600);
    let size = 0;
    try {
      try {
        for await (const chunk of chunks) {
          size += chunk.length;
          if (size > maxBytes) throw new ContentTooLarge(maxBytes);
          hash.update(chunk);
          await fd.write(chunk);
        }
        await fd.datasync();
      } finally {
        await fd.close();
      }
      const sha256 = hash.digest('hex');
      if (this.holdExisting(lease, sha256)) {
        await fs.promises.rm(tmp, { force: true });
        return { sha256, size, written: 0 };
      }
      await this.adopt(tmp, sha256);
      return { sha256, size, written: size };
    } catch (err) {
      await fs.promises.rm(tmp, { force: true });
      throw err;
    }
  }

  private async adopt(tmp: string, sha256: string): Promise<void> {
    const target = this.objectPath(sha256);
    const prefix = sha256.slice(0, 2);
    if (!this.prefixDirs.has(prefix)) {
      await fs.promises.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      this.prefixDirs.add(prefix);
    }
    // Identical bytes either way, so a concurrent writer of the same object is harmless.
    await fs.promises.rename(tmp, target);
    this.renamedInto.add(path.dirname(target));
  }

  /**
   * Makes the renames so far durable (each object's bytes already are): fsyncs every object
   * directory that gained an entry. Called before a snapshot that needs them is marked ready.
   */
  async syncDirs(): Promise<void> {
    const dirs = [...this.renamedInto];
    this.renamedInto.clear();
    await Promise.all(
      dirs.map(async (dir) => {
        const fd = await fs.promises.open(dir, 'r');
        try {
          await fd.sync();
        } finally {
          await fd.close();
        }
      }),
    );
  }

  private tmpFile(): string {
    return path.join(this.tmpDir, crypto.randomBytes(12).toString('hex'));
  }

  /**
   * Remove every object neither `referenced()` (committed snapshots, read after the sweep has
   * begun) nor held by a lease. A lease released during the sweep keeps protecting until the
   * sweep ends, because its snapshot may have been committed after `referenced()` was read.
   */
  async sweep(referenced: () => Promise<Set<string>>): Promise<{ removed: number; bytes: number }> {
    this.sweeping++;
    try {
      const keep = await referenced();
      let removed = 0;
      let bytes = 0;
      for (const prefix of await fs.promises.readdir(this.objectsDir)) {
        const dir = path.join(this.objectsDir, prefix);
        for (const rest of await fs.promises.readdir(dir).catch(() => [] as string[])) {
          const sha256 = prefix + rest;
          if (!SHA256.test(sha256) || keep.has(sha256) || this.isHeld(sha256)) continue;
          // Checked and unlinked in one synchronous step: see holdExisting.
          const file = path.join(dir, rest);
          try {
            bytes += fs.statSync(file).size;
            fs.unlinkSync(file);
            removed++;
          } catch {
            // already gone
          }
        }
      }
      return { removed, bytes };
    } finally {
      if (--this.sweeping === 0) this.lingering.clear();
    }
  }

  private isHeld(sha256: string): boolean {
    for (const lease of this.leases) if (lease.hashes.has(sha256)) return true;
    for (const lease of this.lingering) if (lease.hashes.has(sha256)) return true;
    return false;
  }

  /** Bytes and objects on disk (for metrics and tests). */
  async usage(): Promise<{ objects: number; bytes: number }> {
    let objects = 0;
    let bytes = 0;
    for (const prefix of await fs.promises.readdir(this.objectsDir)) {
      const dir = path.join(this.objectsDir, prefix);
      for (const rest of await fs.promises.readdir(dir)) {
        objects++;
        bytes += (await fs.promises.stat(path.join(dir, rest))).size;
      }
    }
    return { objects, bytes };
  }
}

export class ContentTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`more than ${maxBytes} bytes`);
  }
}
