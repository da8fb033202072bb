import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type {
  FileEntry,
  FilestoreBackend,
  FilestoreLocation,
  FilestoreUsage,
  ListOptions,
  ListPage,
  OpenedObject,
} from './backend.js';
import { ConfinedTree, TEMP_PREFIX } from './confinedTree.js';
import { unavailable } from './confinedDirectory.js';
import { checkLimit, entryOf, satisfiable } from './entries.js';
import { checkCursor, checkFilePath, checkListPrefix, checkLocationKey } from './paths.js';

/**
 * Filestores as directories: `<root>/<location.key>/<path>`. A location's directory is also
 * bound read-write into sandboxes, so every operation goes through a `ConfinedTree`: nothing a
 * sandbox plants there (links, swapped directories, FIFOs) makes this root process read, write
 * or delete outside it.
 */
export class LocalBackend implements FilestoreBackend {
  readonly kind = 'local' as const;

  constructor(readonly root: string) {}

  /** The location's host directory (made when missing), for the daemon to bind into a sandbox. */
  async directoryOf(loc: FilestoreLocation): Promise<string> {
    const dir = this.pathOf(loc);
    try {
      await mkdir(dir, { recursive: true, mode: 0o777 });
    } catch (err) {
      throw unavailable(err);
    }
    return dir;
  }

  async list(loc: FilestoreLocation, options: ListOptions): Promise<ListPage> {
    const prefix = checkListPrefix(options.prefix);
    const cursor = checkCursor(options.cursor);
    const limit = checkLimit(options.limit);
    const items: FileEntry[] = [];
    let more = false;
    for await (const file of this.tree(loc).walk(prefix, cursor)) {
      if (items.length === limit) {
        more = true;
        break;
      }
      items.push(entryOf(file.path, file.size, file.mtimeMs));
    }
    return { items, next_cursor: more ? (items.at(-1)?.path ?? null) : null };
  }

  async stat(loc: FilestoreLocation, path: string): Promise<FileEntry | null> {
    const stats = await this.tree(loc).stat(checkFilePath(path));
    return stats ? entryOf(path, stats.size, stats.mtimeMs) : null;
  }

  async get(
    loc: FilestoreLocation,
    path: string,
    range?: { start: number; end: number },
  ): Promise<OpenedObject | null> {
    const opened = await this.tree(loc).openFile(checkFilePath(path));
    if (!opened) return null;
    const { handle, stats } = opened;
    let bounds: { start: number; end: number } | undefined;
    try {
      bounds = range ? satisfiable(range, stats.size) : undefined;
    } catch (err) {
      await handle.close();
      throw err;
    }
    // The stream closes the file when read to the end or destroyed.
    const stream = handle.createReadStream(bounds ?? {});
    return { entry: entryOf(path, stats.size, stats.mtimeMs), stream };
  }

  async put(
    loc: FilestoreLocation,
    path: string,
    source: Readable,
    options: { maxBytes?: number } = {},
  ): Promise<FileEntry> {
    const stats = await this.tree(loc).write(checkFilePath(path), source, options.maxBytes);
    return entryOf(path, stats.size, stats.mtimeMs);
  }

  /**
   * Removes the temp files of writes a stopped daemon cut short (`.paddock-put-*`, hidden from
   * listings but counted in usage), made before `before`: at start, none is still being written.
   * The name is Paddock's own in every filestore. Returns how many went.
   */
  async sweepCutWrites(before: number): Promise<number> {
    const tree = new ConfinedTree(this.root);
    const cut: string[] = [];
    for await (const file of tree.walk('', undefined, { anyName: true })) {
      const name = file.path.slice(file.path.lastIndexOf('/') + 1);
      if (name.startsWith(TEMP_PREFIX) && file.mtimeMs < before) cut.push(file.path);
    }
    for (const path of cut) await tree.remove(path);
    return cut.length;
  }

  async delete(loc: FilestoreLocation, path: string): Promise<boolean> {
    return this.tree(loc).remove(checkFilePath(path));
  }

  async move(loc: FilestoreLocation, from: string, to: string): Promise<boolean> {
    return this.tree(loc).move(checkFilePath(from), checkFilePath(to));
  }

  async usage(loc: FilestoreLocation): Promise<FilestoreUsage> {
    let bytes = 0;
    let files = 0;
    for await (const file of this.tree(loc).walk('', undefined, { anyName: true })) {
      bytes += file.size;
      files += 1;
    }
    return { bytes, files };
  }

  async removeAll(loc: FilestoreLocation): Promise<void> {
    await this.tree(loc).removeTree();
  }

  close(): void {}

  private pathOf(loc: FilestoreLocation): string {
    return join(this.root, ...checkLocationKey(loc.key));
  }

  private tree(loc: FilestoreLocation): ConfinedTree {
    return new ConfinedTree(this.pathOf(loc));
  }
}
