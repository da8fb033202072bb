import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SHA256 } from './contentHash.js';
import { readPackIndex, type Pack, type PackEntry } from './packFile.js';

/**
 * Where each stored object lies: in a pack (`packs/<random>.pack`), or as a file of its own
 * (`objects/<2 hex>/<62 hex>`), both written to `tmp/` first and renamed in. Every lookup and
 * change here is synchronous, which is what lets a sweep check and remove without a capture's
 * hold slipping in between (see ContentStore.holdExisting).
 */
export class ObjectIndex {
  /**
   * Pack files that do not check out (found so at start, or holding an object a check or a
   * failed sync found damaged): renamed `*.untrusted`, never read.
   */
  readonly untrustedPacks: string[] = [];
  readonly objectsDir: string;
  readonly packsDir: string;
  private readonly tmpDir: string;
  /** The `objects/<2 hex>` dirs known to exist (a sweep leaves them in place). */
  readonly prefixDirs = new Set<string>();
  /** The large objects stored, each a file under `objects/`: looked up for every file captured. */
  readonly loose = new Set<string>();
  readonly packs = new Set<Pack>();
  /** Where each packed object is read from (one pack, when several hold the same bytes). */
  private readonly packed = new Map<string, { pack: Pack; entry: PackEntry }>();

  constructor(root: string) {
    this.objectsDir = path.join(root, 'objects');
    this.packsDir = path.join(root, 'packs');
    this.tmpDir = path.join(root, 'tmp');
    fs.mkdirSync(this.objectsDir, { recursive: true, mode: 0o700 });
    fs.mkdirSync(this.packsDir, { recursive: true, mode: 0o700 });
    // Whatever a crash left half-written is garbage.
    fs.rmSync(this.tmpDir, { recursive: true, force: true });
    fs.mkdirSync(this.tmpDir, { mode: 0o700 });
  }

  /** Reads every pack's index and lists the large objects. Returns the object dirs it found. */
  load(): string[] {
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
        // Cut short by a crash before its sync (see StoreSync), or damaged since: set aside.
        this.setAside(file);
        continue;
      }
      this.addPack({ file, entries, bytes: fs.statSync(file).size });
    }
    const dirs: string[] = [];
    for (const prefix of fs.readdirSync(this.objectsDir)) {
      let names: string[];
      try {
        names = fs.readdirSync(path.join(this.objectsDir, prefix));
      } catch {
        continue; // not a prefix dir: nothing of ours
      }
      for (const rest of names) if (SHA256.test(prefix + rest)) this.loose.add(prefix + rest);
      dirs.push(path.join(this.objectsDir, prefix));
    }
    return dirs;
  }

  /** A pack that cannot be trusted: renamed `*.untrusted` (kept for a person to look at). */
  private setAside(file: string): void {
    fs.renameSync(file, `${file}.untrusted`);
    this.untrustedPacks.push(path.basename(file));
  }

  loosePath(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return path.join(this.objectsDir, sha256.slice(0, 2), sha256.slice(2));
  }

  tmpFile(): string {
    return path.join(this.tmpDir, crypto.randomBytes(12).toString('hex'));
  }

  /** Whether the object is stored (committed, or at least renamed in). */
  has(sha256: string): boolean {
    return this.packed.has(sha256) || this.loose.has(sha256);
  }

  isPacked(sha256: string): boolean {
    return this.packed.has(sha256);
  }

  /** The file an object is read from. */
  fileOf(sha256: string): string {
    return this.packed.get(sha256)?.pack.file ?? this.loosePath(sha256);
  }

  /** A new pack; objects another pack already holds are still read from there. */
  addPack(pack: Pack): void {
    this.packs.add(pack);
    for (const entry of pack.entries) {
      if (!this.packed.has(entry.sha256)) this.packed.set(entry.sha256, { pack, entry });
    }
  }

  /** A pack that replaces others (a rewrite): every object in it is read from it from now on. */
  addReplacement(pack: Pack): void {
    this.packs.add(pack);
    for (const entry of pack.entries) this.packed.set(entry.sha256, { pack, entry });
  }

  /** The entries of `pack` that reads are sent to (a duplicate held elsewhere is not). */
  indexedIn(pack: Pack): PackEntry[] {
    return pack.entries.filter((e) => this.packed.get(e.sha256)?.pack === pack);
  }

  /** Removes the pack; `own` is its `indexedIn`, the objects no longer offered. */
  dropPack(pack: Pack, own: PackEntry[]): void {
    for (const e of own) this.packed.delete(e.sha256);
    this.packs.delete(pack);
    fs.rmSync(pack.file, { force: true });
  }

  /** A file whose data may not be what was written: its objects are no longer offered. */
  forgetFile(file: string): void {
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
   * Opens a stored object where it lies now. Synchronous, so a sweep cannot remove or move it
   * between the lookup and the open; once open, its bytes stay readable whatever a sweep does.
   */
  openObject(sha256: string): { fd: number; start: number; size: number } {
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
