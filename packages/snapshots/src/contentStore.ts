import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { encodePack, readPackIndex, type PackEntry } from './packFile.js';
import { inParallel } from './inParallel.js';
import { CannotOpen, readRange, syncDir, syncFile, writeAll, writeNew } from './syncedFiles.js';

const SHA256 = /^[0-9a-f]{64}$/;
/**
 * Objects up to this size go into packs. One fdatasync per object is what a first capture of a
 * tree of small files would otherwise spend its time on.
 */
const PACKED_MAX_BYTES = 1024 * 1024;
/** A lease's small objects are written out as a pack once they reach this much. */
const PACK_FLUSH_BYTES = 32 * 1024 * 1024;
/** Packs with fewer object bytes than this are merged when a sweep runs. */
const SMALL_PACK_BYTES = 1024 * 1024;
/** Small packs that gather before compact() merges them. */
const COMPACT_AT = 32;
/** Files synced at once: libuv's thread pool runs four, and each holds a descriptor meanwhile. */
const PARALLEL_SYNCS = 8;

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
  /** Batches being written as packs: still this lease's, so the same bytes are not packed twice. */
  readonly writing = new Set<ReadonlyMap<string, Buffer>>();
  /** This lease's pack writes, for commit to wait on. */
  readonly flushes = new Set<Promise<void>>();
  /** The write a full batch waits for (see ContentStore.putSmall). */
  flushing: Promise<void> | null = null;
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

export interface SweepResult {
  removed: number;
  bytes: number;
  /** Packs the sweep meant to rewrite but could not (a full disk, say); they stay as they were. */
  rewriteErrors: unknown[];
}

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
 */
export class ContentStore {
  /**
   * Pack files that do not check out (found so at start, or holding an object a check or a
   * failed sync found damaged): renamed `*.untrusted`, never read.
   */
  readonly untrustedPacks: string[] = [];
  private readonly objectsDir: string;
  private readonly packsDir: string;
  private readonly tmpDir: string;
  private readonly leases = new Set<Lease>();
  /** Leases released while a sweep ran: they keep protecting until that sweep ends. */
  private readonly lingering = new Set<Lease>();
  private sweeping = 0;
  /** Packs whose merge by compact() failed (a damaged object, a full disk). */
  private readonly unmergeable = new WeakSet<Pack>();
  private sweepQueue: Promise<unknown> = Promise.resolve();
  /** Large objects being written right now: a second writer of the same bytes waits instead. */
  private readonly writing = new Map<string, Promise<void>>();
  /** Packs written by commits whose data is not yet known to be on disk (see sync). */
  private readonly unsynced = new Set<string>();
  /** Dirs with renames (or new entries) not yet made durable (see sync). */
  private readonly renamedInto = new Set<string>();
  private readonly syncs = new Set<Promise<void>>();
  /** Large objects renamed in since their dir's last sync began: a failed dir sync loses them. */
  private renamedLoose: string[] = [];
  private failedSyncCount = 0;
  /** The `objects/<2 hex>` dirs known to exist (a sweep leaves them in place). */
  private readonly prefixDirs = new Set<string>();
  /** The large objects stored, each a file under `objects/`: looked up for every file captured. */
  private readonly loose = new Set<string>();
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
      let entries: PackEntry[] | null;
      try {
        entries = readPackIndex(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      if (entries === null) {
        // Cut short by a crash before its sync (see sync), or damaged since: set aside, not read.
        this.setAside(file);
        continue;
      }
      this.addPack({ file, entries, bytes: fs.statSync(file).size });
    }
    for (const prefix of fs.readdirSync(this.objectsDir)) {
      let names: string[];
      try {
        names = fs.readdirSync(path.join(this.objectsDir, prefix));
      } catch {
        continue; // not a prefix dir: nothing of ours
      }
      for (const rest of names) if (SHA256.test(prefix + rest)) this.loose.add(prefix + rest);
      this.renamedInto.add(path.join(this.objectsDir, prefix));
    }
    // The last run may have stopped between a commit and its sync: the first sync takes
    // everything, so nothing built on what it wrote is called durable before it is.
    for (const pack of this.packs) this.unsynced.add(pack.file);
    this.renamedInto.add(this.packsDir);
    this.renamedInto.add(this.objectsDir);
  }

  /** A pack that cannot be trusted: renamed `*.untrusted` (kept for a person to look at). */
  private setAside(file: string): void {
    fs.renameSync(file, `${file}.untrusted`);
    this.untrustedPacks.push(path.basename(file));
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
    return this.packed.has(sha256) || this.loose.has(sha256);
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
    const sha256 = sha256Of(data);
    if (data.length <= PACKED_MAX_BYTES) return this.putSmall(lease, sha256, data);
    if (this.holdExisting(lease, sha256)) return { sha256, written: 0 };
    const pending = this.writing.get(sha256);
    if (pending !== undefined) {
      await pending;
      return { sha256, written: 0 };
    }
    const write = (async () => {
      const tmp = this.tmpFile();
      // Synced before it is renamed in: a large object that is there is whole (see sync).
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

  private async adopt(tmp: string, sha256: string): Promise<void> {
    const target = this.loosePath(sha256);
    const prefix = sha256.slice(0, 2);
    if (!this.prefixDirs.has(prefix)) {
      await fs.promises.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      this.prefixDirs.add(prefix);
      this.renamedInto.add(this.objectsDir);
    }
    // Identical bytes either way, so a concurrent writer of the same object is harmless.
    await fs.promises.rename(tmp, target);
    this.loose.add(sha256);
    this.renamedLoose.push(sha256);
    this.renamedInto.add(path.dirname(target));
  }

  /**
   * Writes out everything the lease stored: its last pack, and its earlier packs finished. The
   * objects are then readable, and survive a crash of the daemon; `sync` makes them survive a
   * crash of the machine. A lease released without a commit loses the small objects it has not
   * yet written.
   */
  async commit(lease: Lease): Promise<void> {
    if (lease.pending.size > 0) void this.flush(lease);
    await Promise.all(lease.flushes);
  }

  /**
   * Puts on disk every object committed before this call: the files' data, then the renames.
   * Waits for the syncs other callers started, since an object a lease found stored may be in a
   * file another sync took. A failed sync is not retried (after a failed fsync the kernel may
   * have dropped the pages and the next one succeeds without them): it is counted, see
   * `failedSyncs`, and the objects it may have lost are forgotten, so the next capture that
   * needs them writes them again. A file that could not even be opened lost nothing: it waits
   * for the next sync, and this one rejects with CannotOpen.
   */
  async sync(): Promise<void> {
    const files = [...this.unsynced];
    const dirs = [...this.renamedInto];
    const loose = this.renamedLoose;
    this.unsynced.clear();
    this.renamedInto.clear();
    this.renamedLoose = [];
    if (files.length > 0 || dirs.length > 0) {
      const run = this.syncNow(files, dirs, loose);
      this.syncs.add(run);
      const forget = () => this.syncs.delete(run);
      run.then(forget, forget);
    }
    await Promise.all([...this.syncs]);
  }

  private async syncNow(files: string[], dirs: string[], loose: string[]): Promise<void> {
    const failed: string[] = [];
    let failure: unknown = null;
    let unopened: unknown = null;
    let dirFailed = false;
    // Could not open: nothing lost, tried again by the next sync. Anything else: lost.
    const attempt = async (sync: () => Promise<unknown>, again: () => void, lost: () => void) => {
      try {
        await sync();
      } catch (err) {
        if (err instanceof CannotOpen) {
          again();
          unopened ??= err;
        } else {
          lost();
          failure ??= err;
        }
      }
    };
    await inParallel(files, PARALLEL_SYNCS, (file) =>
      attempt(
        () => syncFile(file),
        () => this.unsynced.add(file),
        () => failed.push(file),
      ),
    );
    for (const dir of dirs) {
      await attempt(
        () => syncDir(dir),
        () => this.renamedInto.add(dir),
        () => (dirFailed = true),
      );
    }
    if (failure !== null) {
      this.failedSyncCount++;
      // A failed dir sync may have lost any rename of this run: all of its files go.
      const lost = dirFailed ? [...files, ...loose.map((sha) => this.loosePath(sha))] : failed;
      for (const file of lost) {
        try {
          this.forgetFile(file);
        } catch {
          // its objects are already no longer offered; the file stays where it is
        }
      }
      if (dirFailed) this.prefixDirs.clear();
      throw failure;
    }
    if (unopened !== null) {
      this.renamedLoose.push(...loose);
      throw unopened;
    }
  }

  /**
   * How many syncs have failed since the store opened. A snapshot whose capture began before
   * the count last rose may rest on objects that sync lost: it must not be called durable.
   */
  get failedSyncs(): number {
    return this.failedSyncCount;
  }

  /** A file whose data may not be what was written: its objects are no longer offered. */
  private forgetFile(file: string): void {
    for (const pack of this.packs) {
      if (pack.file !== file) continue;
      for (const e of this.indexedIn(pack)) this.packed.delete(e.sha256);
      this.packs.delete(pack);
      if (fs.existsSync(file)) this.setAside(file);
      return;
    }
    this.loose.delete(path.basename(path.dirname(file)) + path.basename(file));
    fs.rmSync(file, { force: true });
  }

  /**
   * After a restart, for the snapshots whose sync may not have finished: reads back each object
   * and checks its hash. Every file holding a damaged object is set aside whole, so none of its
   * objects is offered again. Returns the problem of each object missing or damaged.
   */
  async checkObjects(sha256s: Iterable<string>): Promise<Map<string, string>> {
    const problems = new Map<string, string>();
    for (const sha256 of new Set(sha256s)) {
      let object: { fd: number; start: number; size: number };
      try {
        object = this.openObject(sha256);
      } catch {
        problems.set(sha256, `object ${sha256} is missing`);
        continue;
      }
      const at = this.packed.get(sha256);
      const file = at !== undefined ? at.pack.file : this.loosePath(sha256);
      try {
        if ((await hashRange(object.fd, object.start, object.size)) !== sha256) {
          problems.set(sha256, `object ${sha256} is damaged`);
        }
      } catch (err) {
        problems.set(sha256, `object ${sha256} cannot be read: ${String(err)}`);
      } finally {
        fs.closeSync(object.fd);
      }
      if (problems.has(sha256)) this.forgetFile(file);
    }
    return problems;
  }

  /** Writes the lease's batch as a pack; objects added meanwhile go into the next one. */
  private flush(lease: Lease): Promise<void> {
    const batch = lease.pending;
    lease.pending = new Map();
    lease.pendingBytes = 0;
    lease.writing.add(batch);
    const done = (async () => {
      try {
        this.addPack(await this.writePack(batch, false));
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

  /**
   * Writes `objects` as a new pack. A commit's pack is synced later (see sync); a pack that
   * replaces others (compaction, sweeps) is `durable` before it returns, since the packs it
   * replaces are removed right after.
   */
  private async writePack(objects: ReadonlyMap<string, Buffer>, durable: boolean): Promise<Pack> {
    const { bytes, entries } = encodePack(objects);
    const tmp = this.tmpFile();
    const file = path.join(this.packsDir, `${crypto.randomBytes(12).toString('hex')}.pack`);
    await writeNew(tmp, bytes, durable);
    try {
      fs.renameSync(tmp, file);
      if (durable) await syncDir(this.packsDir);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      fs.rmSync(file, { force: true });
      throw err;
    }
    if (!durable) {
      this.unsynced.add(file);
      this.renamedInto.add(this.packsDir);
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

  /** An object's bytes in memory, checked against its hash (manifests, small files). */
  async readObject(sha256: string): Promise<Buffer> {
    const { fd, start, size } = this.openObject(sha256);
    let data: Buffer;
    try {
      data = await readRange(fd, start, size);
    } finally {
      fs.closeSync(fd);
    }
    if (sha256Of(data) !== sha256) {
      throw new Error(`stored object ${sha256} is damaged`);
    }
    return data;
  }

  /** An object's bytes as a stream (exports). A small one is read whole and checked first. */
  objectStream(sha256: string): Readable {
    if (this.packed.has(sha256)) {
      const read = this.readObject(sha256);
      read.catch(() => undefined); // a stream destroyed unread must not leave it unhandled
      return Readable.from(
        (async function* () {
          yield await read;
        })(),
      );
    }
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
      // A large object: the kernel copies it without passing it through here.
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
   * A pack goes once nothing in it is wanted; packs mostly garbage, and small ones, are
   * rewritten together into one. Sweeps run one at a time.
   */
  sweep(referenced: () => Promise<Set<string>>): Promise<SweepResult> {
    const run = this.sweepQueue.then(() => this.sweepNow(referenced));
    this.sweepQueue = run.catch(() => undefined);
    return run;
  }

  /**
   * Merges the small packs once COMPACT_AT of them have gathered. Each commit writes a pack, and
   * a sweep (after a deletion) is the other thing that merges them: a store nobody deletes from
   * would grow a file per capture, each index read at every start. Nothing is removed, so no
   * lease or reference needs checking; runs in turn with sweeps.
   */
  compact(): Promise<{ merged: number; errors: unknown[] }> {
    const run = this.sweepQueue.then(() => this.compactNow());
    this.sweepQueue = run.catch(() => undefined);
    return run;
  }

  private async compactNow(): Promise<{ merged: number; errors: unknown[] }> {
    const result = { merged: 0, errors: [] as unknown[] };
    // By file size first: it runs after every commit, and bounds what the pack indexes.
    const small = [...this.packs].filter(
      (p) => p.bytes < SMALL_PACK_BYTES && !this.unmergeable.has(p),
    );
    if (small.length < COMPACT_AT) return result;
    const size = (p: Pack) => sum(this.indexedIn(p));
    for (const group of rewriteGroups(small, size)) {
      try {
        await this.rewrite(group, () => true);
        result.merged += group.length;
      } catch (err) {
        // Left to sweeps (which log too), not tried again after every commit.
        for (const pack of group) this.unmergeable.add(pack);
        result.errors.push(err);
      }
    }
    return result;
  }

  private async sweepNow(referenced: () => Promise<Set<string>>): Promise<SweepResult> {
    this.sweeping++;
    try {
      const keep = await referenced();
      const wanted = (sha256: string) => keep.has(sha256) || this.isHeld(sha256);
      const result: SweepResult = { removed: 0, bytes: 0, rewriteErrors: [] };
      for (const prefix of await fs.promises.readdir(this.objectsDir)) {
        const dir = path.join(this.objectsDir, prefix);
        for (const rest of await fs.promises.readdir(dir).catch(() => [] as string[])) {
          const sha256 = prefix + rest;
          if (!SHA256.test(sha256) || wanted(sha256)) continue;
          // Checked and unlinked in one synchronous step: see holdExisting.
          const file = path.join(dir, rest);
          // Forgotten first: the set may say absent for a file still there (it is written
          // again), never present for one that is gone.
          this.loose.delete(sha256);
          try {
            result.bytes += fs.statSync(file).size;
            fs.unlinkSync(file);
            result.removed++;
          } catch {
            // already gone
          }
        }
      }
      // Packs nothing wants first: dropping one writes nothing, so it works on a full disk too.
      const rewrite: Pack[] = [];
      for (const pack of [...this.packs]) {
        // Each pack is checked and dropped in one synchronous step, like a loose object.
        const own = this.indexedIn(pack);
        const live = own.filter((e) => wanted(e.sha256));
        if (live.length === 0) {
          result.removed += own.length;
          result.bytes += pack.bytes;
          this.dropPack(pack, own);
          continue;
        }
        // Copies of objects indexed elsewhere count as garbage too.
        const all = sum(pack.entries);
        if (sum(live) * 2 < all || all < SMALL_PACK_BYTES) rewrite.push(pack);
      }
      const liveBytes = (p: Pack) => sum(this.indexedIn(p).filter((e) => wanted(e.sha256)));
      for (const group of rewriteGroups(rewrite, liveBytes)) {
        try {
          const r = await this.rewrite(group, wanted);
          result.removed += r.removed;
          result.bytes += r.bytes;
        } catch (err) {
          result.rewriteErrors.push(err);
        }
      }
      return result;
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
   * Writes the wanted objects of `group` into one new pack, then, in one synchronous step, sends
   * reads there and removes the old packs; unless something began to hold an object that was
   * not copied meanwhile, in which case the new pack is given up and the old ones stay.
   */
  private async rewrite(
    group: Pack[],
    wanted: (sha256: string) => boolean,
  ): Promise<{ removed: number; bytes: number }> {
    const objects = new Map<string, Buffer>();
    for (const pack of group) {
      const fd = fs.openSync(pack.file, 'r');
      try {
        for (const e of this.indexedIn(pack)) {
          if (!wanted(e.sha256)) continue;
          const data = await readRange(fd, e.offset, e.size);
          if (sha256Of(data) !== e.sha256) {
            throw new Error(`stored object ${e.sha256} is damaged; its pack is left as it is`);
          }
          objects.set(e.sha256, data);
        }
      } finally {
        fs.closeSync(fd);
      }
    }
    const fresh = objects.size > 0 ? await this.writePack(objects, true) : null;
    const lost = group.some(
      (pack) =>
        !this.packs.has(pack) ||
        this.indexedIn(pack).some((e) => !objects.has(e.sha256) && wanted(e.sha256)),
    );
    if (lost) {
      if (fresh !== null) fs.rmSync(fresh.file, { force: true });
      return { removed: 0, bytes: 0 };
    }
    let removed = 0;
    let bytes = 0;
    for (const pack of group) {
      const own = this.indexedIn(pack);
      removed += own.filter((e) => !objects.has(e.sha256)).length;
      bytes += pack.bytes;
      this.dropPack(pack, own);
    }
    if (fresh !== null) {
      this.packs.add(fresh);
      for (const entry of fresh.entries) this.packed.set(entry.sha256, { pack: fresh, entry });
      bytes -= fresh.bytes;
    }
    return { removed, bytes };
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

/** The SHA-256 of `size` bytes at `start`, read a megabyte at a time. */
async function hashRange(fd: number, start: number, size: number): Promise<string> {
  const hash = crypto.createHash('sha256');
  for (let at = 0; at < size; at += HASH_CHUNK_BYTES) {
    hash.update(await readRange(fd, start + at, Math.min(HASH_CHUNK_BYTES, size - at)));
  }
  return hash.digest('hex');
}

const HASH_CHUNK_BYTES = 1024 * 1024;

function sha256Of(data: Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

function sum(entries: readonly PackEntry[]): number {
  return entries.reduce((n, e) => n + e.size, 0);
}

/**
 * The packs to rewrite, in groups of up to a batch's worth of objects each. A group of one
 * small pack with no garbage is left out: rewriting it would change nothing.
 */
function rewriteGroups(packs: Pack[], liveBytes: (pack: Pack) => number): Pack[][] {
  const groups: Pack[][] = [];
  let group: Pack[] = [];
  let bytes = 0;
  for (const pack of packs) {
    const live = liveBytes(pack);
    if (group.length > 0 && bytes + live > PACK_FLUSH_BYTES) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(pack);
    bytes += live;
  }
  if (group.length > 0) groups.push(group);
  return groups.filter((g) => g.length > 1 || liveBytes(g[0]!) < sum(g[0]!.entries));
}

export class ContentTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`more than ${maxBytes} bytes`);
  }
}
