import type { PackageLimits } from './limits.js';
import { refuse } from './refusal.js';
import type { EntryName } from './entryName.js';

/** What the central directory says of one entry, before any of its bytes are read. */
export interface CentralEntry {
  name: EntryName;
  flags: number;
  compressionMethod: number;
  versionMadeBy: number;
  externalAttributes: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
/** MS-DOS attribute bit of a directory, in the low byte of the external attributes. */
const DOS_DIRECTORY = 0x10;
const STORED = 0;
const DEFLATED = 8;
const NATIVE_NAME = /\.(node|dll|exe|dylib|so(\.\d+)*)$/i;

/** A file name native code goes by: `.node .so(.N) .dll .exe .dylib`. */
export function isNativeName(path: string): boolean {
  return NATIVE_NAME.test(path);
}

/** Whether a path has a `node_modules` segment (any case). */
export function hasNodeModules(path: string): boolean {
  return path.split('/').some((s) => s.toLowerCase() === 'node_modules');
}

/** Everything that can be refused from one central directory record alone. */
export function checkCentralEntry(e: CentralEntry, limits: PackageLimits): void {
  const { path, isDir } = e.name;
  if ((e.flags & 0x1) !== 0 || (e.flags & 0x40) !== 0) {
    throw refuse('package_encrypted', 'encrypted entry', path);
  }
  checkEntryType(e);
  if (hasNodeModules(path)) {
    throw refuse('package_node_modules', 'node_modules in the package', path);
  }
  if (isDir) {
    if (e.uncompressedSize !== 0) throw refuse('package_invalid', 'directory with content', path);
    return;
  }
  if (isNativeName(path)) throw refuse('package_native_code', 'native code by name', path);
  if (e.compressionMethod !== STORED && e.compressionMethod !== DEFLATED) {
    throw refuse('package_invalid', `unsupported compression method ${e.compressionMethod}`, path);
  }
  if (overRatio(e.uncompressedSize, e.compressedSize, limits)) {
    throw refuse('package_bomb', `compression ratio over ${limits.maxRatio}`, path);
  }
  if (e.uncompressedSize > limits.maxEntryBytes) {
    throw refuse('package_too_large', `entry larger than ${limits.maxEntryBytes} bytes`, path);
  }
}

/** Only regular files and directories. A unix mode, when the zip gives one, must say which. */
function checkEntryType(e: CentralEntry): void {
  const { path, isDir } = e.name;
  const mode = e.externalAttributes >>> 16;
  const type = mode & S_IFMT;
  if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) {
    const what = type === 0o120000 ? 'symlink' : `entry of unix type 0${type.toString(8)}`;
    throw refuse('package_special_entry', what, path);
  }
  const saysDir = type === S_IFDIR || (type === 0 && (e.externalAttributes & DOS_DIRECTORY) !== 0);
  if (saysDir !== isDir) {
    throw refuse('package_special_entry', 'entry type and name disagree (directory or file)', path);
  }
}

export function overRatio(
  uncompressed: number,
  compressed: number,
  limits: PackageLimits,
): boolean {
  return uncompressed > limits.ratioFloorBytes && uncompressed > compressed * limits.maxRatio;
}

/**
 * The whole package's entries so far: no two the same once case-folded, no file used as a
 * directory, no two sharing compressed data, and the totals under the caps.
 */
export class EntrySet {
  private readonly kinds = new Map<string, 'file' | 'dir'>();
  private readonly offsets = new Set<number>();
  private readonly parents = new Map<string, string>();
  declaredBytes = 0;
  compressedBytes = 0;

  constructor(private readonly limits: PackageLimits) {}

  add(e: CentralEntry): void {
    const { path, key, isDir } = e.name;
    if (this.kinds.size >= this.limits.maxEntries) {
      throw refuse('package_too_large', `more than ${this.limits.maxEntries} entries`);
    }
    if (this.kinds.has(key)) {
      throw refuse('package_duplicate_entry', 'duplicate or case-colliding entry', path);
    }
    if (!isDir && this.parents.has(key)) {
      throw refuse('package_duplicate_entry', 'a file has entries under it', path);
    }
    for (let i = key.indexOf('/'); i > 0; i = key.indexOf('/', i + 1)) {
      const parent = key.slice(0, i);
      if (this.kinds.get(parent) === 'file') {
        throw refuse('package_duplicate_entry', 'an entry is under a file', path);
      }
      this.parents.set(parent, path);
    }
    this.kinds.set(key, isDir ? 'dir' : 'file');
    if (isDir) return;
    if (this.offsets.has(e.localHeaderOffset)) {
      throw refuse('package_bomb', 'entries share compressed data', path);
    }
    this.offsets.add(e.localHeaderOffset);
    this.declaredBytes += e.uncompressedSize;
    this.compressedBytes += e.compressedSize;
    if (this.declaredBytes > this.limits.maxTotalBytes) {
      throw refuse(
        'package_too_large',
        `more than ${this.limits.maxTotalBytes} bytes in all`,
        path,
      );
    }
    if (overRatio(this.declaredBytes, this.compressedBytes, this.limits)) {
      throw refuse('package_bomb', `overall compression ratio over ${this.limits.maxRatio}`, path);
    }
  }
}
