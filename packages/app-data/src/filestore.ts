import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PaddockError } from '@paddock/shared';

/** A file written aside: `commit` makes it the file at its path at once, `discard` drops it. */
export interface StagedFile {
  /** Bytes written aside. */
  size: number;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/** A file opened for reading: its size then, and its bytes as a stream (a range when asked). */
export interface OpenedFile {
  size: number;
  /** Bytes `start` to `end` inclusive (the whole file without them); closes the file when read. */
  stream(range?: { start: number; end: number }): Readable;
  /** Closes the file when no stream is taken. */
  close(): void;
}

/**
 * Raised by `stage` when the source holds more than `maxBytes`: the caller turns it into its
 * own refusal (a quota). Nothing stays staged.
 */
export class TooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`more than ${maxBytes} bytes`);
  }
}

/**
 * Where an app's file bytes live. The index (paths, sizes, MIME types) is in the store; a
 * backend only keeps bytes under one root per app. `LocalFilestore` now; S3 and mounts into
 * sandboxes later, behind this interface.
 */
export interface Filestore {
  /**
   * Writes `source` aside (a stream is read as it comes, never held whole); past `maxBytes`
   * it stops and rejects with `TooLarge`.
   */
  stage(
    appId: string,
    filePath: string,
    source: Buffer | Readable,
    maxBytes?: number,
  ): Promise<StagedFile>;
  /** The bytes, or null when there is no such file. */
  read(appId: string, filePath: string): Promise<Buffer | null>;
  /** The file opened for streaming, or null when there is no such file. */
  open(appId: string, filePath: string): Promise<OpenedFile | null>;
  remove(appId: string, filePath: string): Promise<boolean>;
  /** Every file of the app (a purge). */
  removeApp(appId: string): Promise<void>;
  /** Bytes of every file of the app, by path (a data restore re-indexes from this). */
  scan(appId: string): Promise<ScannedFile[]>;
  /** After a crash, at start: every app's staged bytes go. The apps with files here. */
  recover(): Promise<string[]>;
}

/** A file as found on disk: a data restore indexes it. */
export interface ScannedFile {
  path: string;
  size: number;
  modified_at: string;
}

/**
 * Every regular file under `root` (a filestore's root of one app, or a copy of one), by
 * relative path in order; symlinks and special files are left out. None when it is absent.
 */
export function scanFiles(root: string): ScannedFile[] {
  const out: ScannedFile[] = [];
  const walk = (dir: string, rel: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const st = fs.lstatSync(path.join(dir, name));
      const p = rel ? `${rel}/${name}` : name;
      if (st.isDirectory()) walk(path.join(dir, name), p);
      else if (st.isFile())
        out.push({ path: p, size: st.size, modified_at: st.mtime.toISOString() });
    }
  };
  if (fs.existsSync(root)) walk(root, '');
  return out;
}

const APP_ID = /^[a-z0-9]{16,128}$/i;
const MAX_DEPTH = 32;

/**
 * The segments of a relative path, or `invalid_path`: no leading `/`, no empty, `.` or `..`
 * segment, no NUL or backslash. The schema checks this shape too; this is the last word.
 */
export function segmentsOf(filePath: string): string[] {
  const parts = filePath.split('/');
  const bad =
    filePath.length === 0 ||
    filePath.includes('\0') ||
    filePath.includes('\\') ||
    parts.length > MAX_DEPTH ||
    parts.some((s) => s === '' || s === '.' || s === '..' || Buffer.byteLength(s) > 255);
  if (bad)
    throw new PaddockError(
      'invalid_path',
      `not a path inside the app's files: ${JSON.stringify(filePath)}`,
    );
  return parts;
}

/**
 * Files on this host: `<base>/<appId>/files/<path>`, staged in `<base>/<appId>/staging/` (the
 * same file system, so a commit is one rename). Never follows a symlink: every directory on the
 * way is checked with lstat, and files are opened with O_NOFOLLOW.
 */
export class LocalFilestore implements Filestore {
  constructor(readonly base: string) {}

  rootOf(appId: string): string {
    if (!APP_ID.test(appId)) throw new PaddockError('bad_request', 'not an app id');
    return path.join(this.base, appId, 'files');
  }

  async stage(
    appId: string,
    filePath: string,
    source: Buffer | Readable,
    maxBytes = Number.MAX_SAFE_INTEGER,
  ): Promise<StagedFile> {
    const parts = segmentsOf(filePath);
    const staging = path.join(this.base, appId, 'staging');
    fs.mkdirSync(staging, { recursive: true, mode: 0o700 });
    const tmp = path.join(staging, `${Date.now()}-${randomBytes(6).toString('hex')}`);
    const discard = () => Promise.resolve(fs.rmSync(tmp, { force: true }));
    const fd = fs.openSync(
      tmp,
      fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL,
      0o600,
    );
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        done(size > maxBytes ? new TooLarge(maxBytes) : null, chunk);
      },
    });
    const input = Buffer.isBuffer(source) ? Readable.from([source]) : source;
    // The descriptor stays open for the fsync below (a FileHandle would wait for the
    // stream's close); nothing waits on a close the stream will not emit.
    const out = fs.createWriteStream('', { fd, autoClose: false, emitClose: false });
    try {
      await pipeline(input, counter, out);
      fs.fsyncSync(fd);
    } catch (err) {
      // A failed pipeline destroys the write stream, and that closes the descriptor: closing
      // it again would throw (and skip the discard) or close a descriptor since reused.
      if (!out.destroyed) fs.closeSync(fd);
      await discard();
      throw err;
    }
    fs.closeSync(fd);
    return {
      size,
      commit: async () => {
        try {
          const dir = this.directoryFor(appId, parts, true)!;
          const dest = path.join(dir, parts[parts.length - 1]!);
          const st = lstatOrNull(dest);
          if (st?.isDirectory())
            throw new PaddockError('is_a_directory', `${filePath} is a directory`);
          if (st && !st.isFile())
            throw new PaddockError('invalid_path', `${filePath} is not a file`);
          fs.renameSync(tmp, dest);
        } catch (err) {
          await discard();
          throw err;
        }
      },
      discard,
    };
  }

  open(appId: string, filePath: string): Promise<OpenedFile | null> {
    const fd = this.openFile(appId, filePath);
    if (fd === null) return Promise.resolve(null);
    const size = fs.fstatSync(fd).size;
    return Promise.resolve({
      size,
      stream: (range) => fs.createReadStream('', { fd, autoClose: true, ...range }),
      close: () => fs.closeSync(fd),
    });
  }

  read(appId: string, filePath: string): Promise<Buffer | null> {
    const fd = this.openFile(appId, filePath);
    if (fd === null) return Promise.resolve(null);
    try {
      return Promise.resolve(fs.readFileSync(fd));
    } finally {
      fs.closeSync(fd);
    }
  }

  /** The file's descriptor, opened without following a symlink; null when it is not a file. */
  private openFile(appId: string, filePath: string): number | null {
    const parts = segmentsOf(filePath);
    const dir = this.directoryFor(appId, parts, false);
    if (dir === null) return null;
    let fd: number;
    try {
      fd = fs.openSync(
        path.join(dir, parts[parts.length - 1]!),
        fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW,
      );
    } catch (err) {
      if (isCode(err, 'ENOENT') || isCode(err, 'ELOOP')) return null;
      throw err;
    }
    if (fs.fstatSync(fd).isFile()) return fd;
    fs.closeSync(fd);
    return null;
  }

  remove(appId: string, filePath: string): Promise<boolean> {
    const parts = segmentsOf(filePath);
    const dir = this.directoryFor(appId, parts, false);
    if (dir === null) return Promise.resolve(false);
    const file = path.join(dir, parts[parts.length - 1]!);
    const st = lstatOrNull(file);
    if (!st || st.isDirectory()) return Promise.resolve(false);
    fs.rmSync(file, { force: true });
    // Empty directories on the way go too, up to the root.
    const root = this.rootOf(appId);
    for (let d = dir; d !== root && d.startsWith(root); d = path.dirname(d)) {
      if (fs.readdirSync(d).length > 0) break;
      fs.rmdirSync(d);
    }
    return Promise.resolve(true);
  }

  removeApp(appId: string): Promise<void> {
    fs.rmSync(path.join(this.base, appId, 'files'), { recursive: true, force: true });
    fs.rmSync(path.join(this.base, appId, 'staging'), { recursive: true, force: true });
    return Promise.resolve();
  }

  scan(appId: string): Promise<ScannedFile[]> {
    return Promise.resolve(scanFiles(this.rootOf(appId)));
  }

  recover(): Promise<string[]> {
    if (!fs.existsSync(this.base)) return Promise.resolve([]);
    const apps = fs.readdirSync(this.base).filter((name) => APP_ID.test(name));
    for (const appId of apps) {
      fs.rmSync(path.join(this.base, appId, 'staging'), { recursive: true, force: true });
    }
    return Promise.resolve(apps);
  }

  /**
   * The directory that holds the file `parts` names, each step checked with lstat (a symlink
   * or a file on the way is refused); with `create`, missing ones are made. Null when absent.
   */
  private directoryFor(appId: string, parts: string[], create: boolean): string | null {
    let dir = this.rootOf(appId);
    if (create) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    else if (!lstatOrNull(dir)?.isDirectory()) return null;
    for (const seg of parts.slice(0, -1)) {
      dir = path.join(dir, seg);
      const st = lstatOrNull(dir);
      if (st === null) {
        if (!create) return null;
        fs.mkdirSync(dir, { mode: 0o700 });
      } else if (!st.isDirectory()) {
        throw new PaddockError(
          'not_a_directory',
          `${seg} on the way to the file is not a directory`,
        );
      }
    }
    return dir;
  }
}

function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    if (isCode(err, 'ENOENT')) return null;
    throw err;
  }
}

function isCode(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === code;
}
