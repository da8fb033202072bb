import { createHash } from 'node:crypto';
import { constants, type Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PaddockError } from '@paddock/shared';
import { isNativeMagic } from '../archive/contentGuard.js';
import { hasNodeModules, isNativeName } from '../archive/entryChecks.js';
import { foldKey, parseEntryName } from '../archive/entryName.js';
import type { PackageLimits } from '../archive/limits.js';
import { refuse } from '../archive/refusal.js';
import { MANIFEST_PATH, SIGNATURE_PATH } from '../archive/walk.js';

/** One file of the directory being packed: where it is, its name in the zip, and its content's hash. */
export interface SourceFile {
  /** The entry's name: relative to the directory, forward slashes. */
  path: string;
  abs: string;
  size: number;
  /** Hex SHA-256 of the bytes read in `hashSourceFiles`. */
  sha256: string;
}

export interface CollectOptions {
  /** Left out with what is under them: names at any depth, or paths from the top (with a slash). */
  exclude: readonly string[];
  /** Absolute paths never packed (the output file). */
  skip: ReadonlySet<string>;
  limits: PackageLimits;
}

const UTF8_FLAG = 0x800;
const SLASH = Buffer.from('/');
const READ_FILE = constants.O_RDONLY | constants.O_NOFOLLOW;
const HEAD_BYTES = 4;

/**
 * Lists the files under `dir` that go into a package, sorted by their names' UTF-8 bytes, and
 * refuses, with the code `inspectPackage` would give, whatever it would refuse from names and
 * types alone: symlinks and other special files, `node_modules`, native code by name, unsafe
 * or case-colliding names, too many entries or bytes. A `paddock-app.json` or `paddock-app.sig`
 * at the top is not a package file (the manifest and signature are written by the packer).
 * Nothing is followed through a link.
 */
export async function collectSourceFiles(
  dir: string,
  options: CollectOptions,
): Promise<ListedFile[]> {
  const walk = new SourceWalk(options);
  await walk.visit(dir, '');
  return walk.files.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}

export type ListedFile = Omit<SourceFile, 'sha256'>;

class SourceWalk {
  readonly files: ListedFile[] = [];
  private readonly exclude: Exclusion[];
  /** Every name so far once case-folded (the manifest's and the signature's too), to its path. */
  private readonly keys = new Map<string, string>([
    [foldKey(MANIFEST_PATH), MANIFEST_PATH],
    [foldKey(SIGNATURE_PATH), SIGNATURE_PATH],
  ]);
  private total = 0;

  constructor(private readonly options: CollectOptions) {
    this.exclude = options.exclude.map(parseExclusion).filter((e) => e.path !== '');
  }

  async visit(absDir: string, relDir: string): Promise<void> {
    const dirents = await fs.readdir(absDir, { withFileTypes: true, encoding: 'buffer' });
    dirents.sort((a, b) => Buffer.compare(a.name, b.name));
    for (const d of dirents) {
      const abs = path.join(absDir, d.name.toString('utf8'));
      const loose =
        relDir === '' ? d.name.toString('utf8') : `${relDir}/${d.name.toString('utf8')}`;
      if (isExcluded(loose, this.exclude) || this.options.skip.has(abs)) continue;
      if (relDir === '' && (loose === MANIFEST_PATH || loose === SIGNATURE_PATH)) continue;
      const rel = this.checkEntry(d, relDir);
      if (d.isDirectory()) await this.visit(abs, rel);
      else await this.addFile(abs, rel);
    }
  }

  /** The entry's checked name: UTF-8, safe, a file or a directory, no node_modules, no collision. */
  private checkEntry(d: Dirent<Buffer>, relDir: string): string {
    const raw = relDir === '' ? d.name : Buffer.concat([Buffer.from(`${relDir}/`), d.name]);
    const name = parseEntryName(d.isDirectory() ? Buffer.concat([raw, SLASH]) : raw, UTF8_FLAG);
    const rel = name.path;
    checkType(d, rel);
    if (hasNodeModules(rel))
      throw refuse('package_node_modules', 'node_modules in the package', rel);
    const seen = this.keys.get(name.key);
    if (seen !== undefined) {
      const what = `the same name as ${JSON.stringify(seen)} once case is folded`;
      throw refuse('package_duplicate_entry', what, rel);
    }
    this.keys.set(name.key, rel);
    return rel;
  }

  private async addFile(abs: string, rel: string): Promise<void> {
    const { limits } = this.options;
    if (isNativeName(rel)) throw refuse('package_native_code', 'native code by name', rel);
    const { size } = await fs.lstat(abs);
    if (size > limits.maxEntryBytes) {
      throw refuse('package_too_large', `file larger than ${limits.maxEntryBytes} bytes`, rel);
    }
    this.total += size;
    if (this.total > limits.maxTotalBytes) {
      throw refuse('package_too_large', `more than ${limits.maxTotalBytes} bytes in all`, rel);
    }
    // The manifest and the signature are entries too.
    if (this.files.length + 1 + 2 > limits.maxEntries) {
      throw refuse('package_too_large', `more than ${limits.maxEntries} entries`, rel);
    }
    this.files.push({ path: rel, abs, size });
  }
}

/**
 * Reads each file once (never through a link) for its SHA-256, checking that it is still the
 * size it was listed at and does not start with a native executable's magic bytes.
 */
export async function hashSourceFiles(files: readonly ListedFile[]): Promise<SourceFile[]> {
  const out: SourceFile[] = [];
  for (const f of files) out.push({ ...f, sha256: await hashFile(f) });
  return out;
}

async function hashFile(f: ListedFile): Promise<string> {
  const handle = await openSourceFile(f.abs, f.path);
  try {
    const hash = createHash('sha256');
    let head = Buffer.alloc(0);
    let bytes = 0;
    for await (const chunk of handle.createReadStream({
      autoClose: false,
    }) as AsyncIterable<Buffer>) {
      if (head.length < HEAD_BYTES) head = Buffer.concat([head, chunk]).subarray(0, HEAD_BYTES);
      hash.update(chunk);
      bytes += chunk.length;
    }
    if (isNativeMagic(head))
      throw refuse('package_native_code', 'native code by its bytes', f.path);
    if (bytes !== f.size) throw changed(f.path);
    return hash.digest('hex');
  } finally {
    await handle.close();
  }
}

/** Opens a listed file for reading, refusing a link or anything but a regular file. */
export async function openSourceFile(abs: string, rel: string): Promise<fs.FileHandle> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(abs, READ_FILE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') {
      throw refuse('package_special_entry', 'symlink', rel);
    }
    throw err;
  }
  const st = await handle.stat();
  if (!st.isFile()) {
    await handle.close();
    throw refuse('package_special_entry', 'not a regular file', rel);
  }
  return handle;
}

export function changed(rel: string): PaddockError {
  return new PaddockError(
    'conflict',
    `a file changed while it was packed: ${JSON.stringify(rel)}`,
    {
      entry: rel,
    },
  );
}

function checkType(d: Dirent<Buffer>, rel: string): void {
  if (d.isFile() || d.isDirectory()) return;
  const what = d.isSymbolicLink() ? 'symlink' : 'special file (not a regular file or directory)';
  throw refuse('package_special_entry', what, rel);
}

interface Exclusion {
  path: string;
  /** From the top of the directory only; else the name at any depth. */
  anchored: boolean;
}

/**
 * Like a .gitignore line: a name without a slash (`node_modules`) at any depth; with a slash
 * at its start or in its middle (`/key.pem`, `./key.pem`, `web/cache`), that path from the top.
 * A trailing slash is ignored.
 */
function parseExclusion(e: string): Exclusion {
  const trimmed = e.replace(/\/+$/, '');
  return { path: trimmed.replace(/^(\.?\/)+/, ''), anchored: trimmed.includes('/') };
}

function isExcluded(rel: string, exclude: readonly Exclusion[]): boolean {
  const base = rel.slice(rel.lastIndexOf('/') + 1);
  return exclude.some((e) =>
    e.anchored ? rel === e.path || rel.startsWith(`${e.path}/`) : base === e.path,
  );
}
