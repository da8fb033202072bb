import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { encodePack, readPackIndex, type PackEntry } from './packFile.js';

const SHA256 = /^[0-9a-f]{64}$/;
/**
 * Objects up to this size go into packs. One fdatasync per object is what a first capture of a
 * tree of small files would otherwise spend its time on.
 */
const PACKED_MAX_BYTES = 1024 * 1024;
/** A lease's small objects are written out as a pack once they reach this much. */
const PACK_FLUSH_BYTES = 32 * 1024 * 1024;

interface Pack {
  file: string;
  entries: PackEntry[];
  /** The file's size, index included. */
  bytes: number;
}

/**
 * The hashes one capture or import is using. While a lease holds a hash, a sweep never removes
 * that object, even before the snapshot that refers to it is committed (see `sweep`).
 */
export class Lease {
  readonly hashes = new Set<string>();
  /** Small objects new to the store, waiting to go into a pack (see ContentStore.commit). */
  pending = new Map<string, Buffer>();
  pendingBytes = 0;
  /** Packs of this lease being written. */
  readonly flushes = new Set<Promise<void>>();
  private released = false;
  constructor(private readonly onRelease: (lease: Lease) => void) {}
  hold(sha256: string): void {
    this.hashes.add(sha256);
  }
  /** Call after the snapshot is committed (or given up): from then on, references protect it. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.pending = new Map();
    this.onRelease(this);
  }
}

/**
 * Content stored once by the SHA-256 of its bytes, shared by every snapshot of every app on the
 * host. Small objects live in packs (`packs/<random>.pack`, see packFile.ts), one per capture or
 * per 32 MiB of it; larger ones as files of their own (`objects/<2 hex>/<62 hex>`). Both are
 * written to `tmp/` first, synced and renamed in, so an object is whole or absent, and `commit`
 * makes a lease's objects durable before its snapshot may be marked ready.
 */
export class ContentStore {
  private readonly objectsDir: string;
  private readonly packsDir: string;
  private readonly tmpDir: string;
  private readonly leases = new Set<Lease>();
  /** Leases released while a sweep ran: they keep protecting until that sweep ends. */
  private readonly lingering = new Set<Lease>();
  private sweeping = 0;
  /** Large objects being written right now: a second writer of the same bytes waits instead. */
  private readonly writing = new Map<string, Promise<void>>();
  /** Object dirs with renames not yet made durable (see commit). */
  private readonly renamedInto = new Set<string>();
  /** The `objects/<2 hex>` dirs known to exist (a sweep leaves them in place). */
  private readonly prefixDirs = new Set<string>();
  private readonly packs = new Set<Pack>();
  /** Where each packed object is read from (one pack, when several hold the same bytes). */
  private readonly packed = new Map<string, { pack: Pack; entry: PackEntry }>();

  constructor(readonly root: string) {
    this.objectsDir = path.join(root, 'objects');
    this.packsDir = path.join(root, 'packs');
    this.tmpDir = path.join(root, 'tmp');
    fs.mkdirSync(this.objectsDir, { recursive: true, mode: 0o700 });
    fs.mkdirSync(this.packsDir, { recursive: true, mode: 0o700 });
    // Whatever a crash left half-written is garbage.
    fs.rmSync(this.tmpDir, { recursive: true, force: true });
    fs.mkdirSync(this.tmpDir, { mode: 0o700 });
    for (const name of fs.readdirSync(this.packsDir)) {
      if (!name.endsWith('.pack')) continue;
      const file = path.join(this.packsDir, name);
      // Only whole packs are renamed in; one that does not read is left alone, not trusted.
      const entries = readPackIndex(file);
      if (entries !== null) this.addPack({ file, entries, bytes: fs.statSync(file).size });
    }
  }

  private loosePath(sha256: string): string {
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

  /** Whether the object is stored (committed, or at least renamed in). */
  has(sha256: string): boolean {
    return this.packed.has(sha256) || fs.existsSync(this.loosePath(sha256));
  }

  /**
   * Hold `sha256` and say whether its object is already stored. Synchronous on purpose: a sweep
   * checks leases and removes synchronously too, so the two can never interleave between the
   * hold and the existence check.
   */
  holdExisting(lease: Lease, sha256: string): boolean {
    lease.hold(sha256);
    return this.has(sha256);
  }

  /** Store bytes already in memory. Returns the hash and how many bytes were newly written. */
  async putBuffer(lease: Lease, data: Buffer): Promise<{ sha256: string; written: number }> {
    const sha256 = crypto.createHash('sha256').update(data).digest('hex');
    if (data.length <= PACKED_MAX_BYTES) return this.putSmall(lease, sha256, data);
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

  /** Joins the lease's next pack; written out when the batch is full, or at commit. */
  private async putSmall(
    lease: Lease,
    sha256: string,
    data: Buffer,
  ): Promise<{ sha256: string; written: number }> {
    if (this.holdExisting(lease, sha256) || lease.pending.has(sha256)) {
      return { sha256, written: 0 };
    }
    lease.pending.set(sha256, data);
    lease.pendingBytes += data.length;
    if (lease.pendingBytes >= PACK_FLUSH_BYTES) await this.flush(lease);
    return { sha256, written: data.length };
  }

  /** Store a stream of unknown size, hashing as it arrives; a small one joins a pack. */
  async putStream(
    lease: Lease,
    chunks: AsyncIterable<Buffer>,
    maxBytes: number,
  ): Promise<{ sha256: string; size: number; written: number }> {
    const hash = crypto.createHash('sha256');
    const tmp = this.tmpFile();
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
          for (const h of held.splice(0)) await fd.write(h);
        }
        await fd.write(chunk);
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

  private async adopt(tmp: string, sha256: string): Promise<void> {
    const target = this.loosePath(sha256);
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
   * Makes everything the lease stored durable: its last pack written, its earlier packs
   * finished, and the renames of large objects synced. Call before a snapshot that needs them is
   * marked ready.
   */
  async commit(lease: Lease): Promise<void> {
    if (lease.pending.size > 0) void this.flush(lease).catch(() => undefined);
    await Promise.all(lease.flushes);
    const dirs = [...this.renamedInto];
    this.renamedInto.clear();
    await Promise.all(dirs.map(syncDir));
  }

  /** Writes the lease's batch as a pack; objects added meanwhile go into the next one. */
  private flush(lease: Lease): Promise<void> {
    const batch = lease.pending;
    lease.pending = new Map();
    lease.pendingBytes = 0;
    const done = this.writePack(batch).then((pack) => this.addPack(pack));
    lease.flushes.add(done);
    return done;
  }

  private async writePack(objects: ReadonlyMap<string, Buffer>): Promise<Pack> {
    const { bytes, entries } = encodePack(objects);
    const tmp = this.tmpFile();
    const file = path.join(this.packsDir, `${crypto.randomBytes(12).toString('hex')}.pack`);
    try {
      const fd = await fs.promises.open(tmp, 'wx', 0o600);
      try {
        await fd.writev(bytes);
        await fd.datasync();
      } finally {
        await fd.close();
      }
      await fs.promises.rename(tmp, file);
      await syncDir(this.packsDir);
    } catch (err) {
      await fs.promises.rm(tmp, { force: true });
      throw err;
    }
    return { file, entries, bytes: bytes.reduce((n, b) => n + b.length, 0) };
  }

  private addPack(pack: Pack): void {
    this.packs.add(pack);
    for (const entry of pack.entries) {
      if (!this.packed.has(entry.sha256)) this.packed.set(entry.sha256, { pack, entry });
    }
  }

  /**
   * Opens a stored object where it lies now. Synchronous, so a sweep cannot remove or move it
   * between the lookup and the open; once open, its bytes stay readable whatever a sweep does.
   */
  private openObject(sha256: string): { fd: number; start: number; size: number } {
    const at = this.packed.get(sha256);
    if (at !== undefined) {
      return { fd: fs.openSync(at.pack.file, 'r'), start: at.entry.offset, size: at.entry.size };
    }
    const fd = fs.openSync(this.loosePath(sha256), 'r');
    try {
      return { fd, start: 0, size: fs.fstatSync(fd).size };
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  /** An object's bytes in memory (manifests, small files). */
  async readObject(sha256: string): Promise<Buffer> {
    const { fd, start, size } = this.openObject(sha256);
    const handle = new FdReader(fd);
    try {
      return await handle.read(start, size);
    } finally {
      handle.close();
    }
  }

  /** An object's bytes as a stream (exports). */
  objectStream(sha256: string): Readable {
    const { fd, start, size } = this.openObject(sha256);
    if (size === 0) {
      fs.closeSync(fd);
      return Readable.from([]);
    }
    return fs.createReadStream('', { fd, start, end: start + size - 1, autoClose: true });
  }

  /** A new file at `dest` (which must not exist) holding the object's bytes, mode 0600. */
  async copyObjectTo(sha256: string, dest: string): Promise<void> {
    if (!this.packed.has(sha256)) {
      // A large object: the kernel copies (or clones) it without passing through here.
      await fs.promises.copyFile(this.loosePath(sha256), dest, fs.constants.COPYFILE_EXCL);
      return;
    }
    await fs.promises.writeFile(dest, await this.readObject(sha256), { flag: 'wx', mode: 0o600 });
  }

  private tmpFile(): string {
    return path.join(this.tmpDir, crypto.randomBytes(12).toString('hex'));
  }

  /**
   * Remove every object neither `referenced()` (committed snapshots, read after the sweep has
   * begun) nor held by a lease. A lease released during the sweep keeps protecting until the
   * sweep ends, because its snapshot may have been committed after `referenced()` was read.
   * A pack goes once nothing in it is wanted; one that is mostly garbage is rewritten with what
   * is still wanted.
   */
  async sweep(referenced: () => Promise<Set<string>>): Promise<{ removed: number; bytes: number }> {
    this.sweeping++;
    try {
      const keep = await referenced();
      const wanted = (sha256: string) => keep.has(sha256) || this.isHeld(sha256);
      let removed = 0;
      let bytes = 0;
      for (const prefix of await fs.promises.readdir(this.objectsDir)) {
        const dir = path.join(this.objectsDir, prefix);
        for (const rest of await fs.promises.readdir(dir).catch(() => [] as string[])) {
          const sha256 = prefix + rest;
          if (!SHA256.test(sha256) || wanted(sha256)) continue;
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
      for (const pack of [...this.packs]) {
        // Each pack is checked and dropped in one synchronous step, like a loose object.
        const own = this.indexedIn(pack);
        const live = own.filter((e) => wanted(e.sha256));
        if (live.length === 0) {
          removed += own.length;
          bytes += pack.bytes;
          this.dropPack(pack, own);
        } else {
          // Copies of objects indexed elsewhere count as garbage too.
          const liveBytes = live.reduce((n, e) => n + e.size, 0);
          if (liveBytes * 2 < pack.entries.reduce((n, e) => n + e.size, 0)) {
            const r = await this.repack(pack, live, wanted);
            removed += r.removed;
            bytes += r.bytes;
          }
        }
      }
      return { removed, bytes };
    } finally {
      if (--this.sweeping === 0) this.lingering.clear();
    }
  }

  /** The entries of `pack` that reads are sent to (a duplicate held elsewhere is not). */
  private indexedIn(pack: Pack): PackEntry[] {
    return pack.entries.filter((e) => this.packed.get(e.sha256)?.pack === pack);
  }

  private dropPack(pack: Pack, own: PackEntry[]): void {
    for (const e of own) this.packed.delete(e.sha256);
    this.packs.delete(pack);
    fs.rmSync(pack.file, { force: true });
  }

  /**
   * Writes the wanted objects of `pack` into a new pack, then, in one synchronous step, sends
   * reads there and removes the old one; unless something began to hold an object that was not
   * copied meanwhile, in which case the new pack is given up and the old one stays.
   */
  private async repack(
    pack: Pack,
    live: PackEntry[],
    wanted: (sha256: string) => boolean,
  ): Promise<{ removed: number; bytes: number }> {
    const objects = new Map<string, Buffer>();
    const reader = new FdReader(fs.openSync(pack.file, 'r'));
    try {
      for (const e of live) objects.set(e.sha256, await reader.read(e.offset, e.size));
    } finally {
      reader.close();
    }
    const fresh = await this.writePack(objects);
    const own = this.indexedIn(pack);
    if (own.some((e) => !objects.has(e.sha256) && wanted(e.sha256))) {
      fs.rmSync(fresh.file, { force: true });
      return { removed: 0, bytes: 0 };
    }
    this.dropPack(pack, own);
    this.packs.add(fresh);
    for (const entry of fresh.entries) this.packed.set(entry.sha256, { pack: fresh, entry });
    return { removed: own.length - fresh.entries.length, bytes: pack.bytes - fresh.bytes };
  }

  private isHeld(sha256: string): boolean {
    for (const lease of this.leases) if (lease.hashes.has(sha256)) return true;
    for (const lease of this.lingering) if (lease.hashes.has(sha256)) return true;
    return false;
  }

  /** Objects stored and the bytes their files take on disk (for metrics and tests). */
  async usage(): Promise<{ objects: number; bytes: number; packs: number }> {
    let objects = this.packed.size;
    let bytes = 0;
    for (const pack of this.packs) bytes += pack.bytes;
    for (const prefix of await fs.promises.readdir(this.objectsDir)) {
      const dir = path.join(this.objectsDir, prefix);
      for (const rest of await fs.promises.readdir(dir)) {
        objects++;
        bytes += (await fs.promises.stat(path.join(dir, rest))).size;
      }
    }
    return { objects, bytes, packs: this.packs.size };
  }
}

/** Positioned reads from an open fd, asynchronous, closed by the caller. */
class FdReader {
  constructor(private readonly fd: number) {}
  async read(start: number, size: number): Promise<Buffer> {
    const data = Buffer.allocUnsafe(size);
    let done = 0;
    while (done < size) {
      const n = await new Promise<number>((resolve, reject) =>
        fs.read(this.fd, data, done, size - done, start + done, (err, bytesRead) =>
          err ? reject(err) : resolve(bytesRead),
        ),
      );
      if (n === 0) throw new Error('object shorter than its index says');
      done += n;
    }
    return data;
  }
  close(): void {
    fs.closeSync(this.fd);
  }
}

async function syncDir(dir: string): Promise<void> {
  const fd = await fs.promises.open(dir, 'r');
  try {
    await fd.sync();
  } finally {
    await fd.close();
  }
}

export class ContentTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`more than ${maxBytes} bytes`);
  }
}
