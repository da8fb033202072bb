import { inParallel } from './inParallel.js';
import type { ObjectIndex } from './objectIndex.js';
import { CannotOpen, syncDir, syncFile } from './syncedFiles.js';

/** Files synced at once: libuv's thread pool runs four, and each holds a descriptor meanwhile. */
const PARALLEL_SYNCS = 8;

/**
 * What the store has written but not yet put on disk, and the syncs that put it there (ADR
 * 0014: a snapshot is answered between a commit and its sync). A commit's pack is written
 * without a sync and recorded here; a large object is synced before its rename, so only the
 * rename, its directory's entry, waits here.
 */
export class StoreSync {
  /** Packs written by commits whose data is not yet known to be on disk. */
  private readonly unsynced = new Set<string>();
  /** Dirs with renames (or new entries) not yet made durable. */
  private readonly renamedInto = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  /** Large objects renamed in since their dir's last sync began: a failed dir sync loses them. */
  private renamedLoose: string[] = [];
  private failedSyncCount = 0;

  /** `objectDirs`: the object dirs the index found at open. */
  constructor(
    private readonly index: ObjectIndex,
    objectDirs: readonly string[],
  ) {
    // The last run may have stopped between a commit and its sync: the first sync takes
    // everything, so nothing built on what it wrote is called durable before it is.
    for (const dir of objectDirs) this.renamedInto.add(dir);
    for (const pack of index.packs) this.unsynced.add(pack.file);
    this.renamedInto.add(index.packsDir);
    this.renamedInto.add(index.objectsDir);
  }

  /** A commit's pack, renamed in unsynced. */
  packWritten(file: string): void {
    this.unsynced.add(file);
    this.renamedInto.add(this.index.packsDir);
  }

  /** A large object, synced, renamed into its `objects/<2 hex>` dir. */
  looseRenamed(sha256: string, dir: string): void {
    this.renamedLoose.push(sha256);
    this.renamedInto.add(dir);
  }

  /** A dir that gained an entry (a new `objects/<2 hex>` dir). */
  dirChanged(dir: string): void {
    this.renamedInto.add(dir);
  }

  /**
   * How many syncs have failed since the store opened. A snapshot whose capture began before
   * the count last rose may rest on objects that sync lost: it must not be called durable.
   */
  get failedSyncs(): number {
    return this.failedSyncCount;
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
      this.running.add(run);
      const forget = () => this.running.delete(run);
      run.then(forget, forget);
    }
    await Promise.all([...this.running]);
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
      this.forgetLost(
        dirFailed ? [...files, ...loose.map((sha) => this.index.loosePath(sha))] : failed,
      );
      if (dirFailed) this.index.prefixDirs.clear();
      throw failure;
    }
    if (unopened !== null) {
      this.renamedLoose.push(...loose);
      throw unopened;
    }
  }

  private forgetLost(files: readonly string[]): void {
    for (const file of files) {
      try {
        this.index.forgetFile(file);
      } catch {
        // its objects are already no longer offered; the file stays where it is
      }
    }
  }
}
