import crypto from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { contentTypeOf } from '@paddock/shared';

/**
 * The revalidated bundle: every request comes back to the server (which checks the token, the
 * version and the key each time) and is answered 304 when unchanged. The URL holds a token of
 * one launch, so a shared cache has nothing to reuse; `private` keeps it out of one anyway.
 */
export const BUNDLE_CACHE_CONTROL = 'private, no-cache';

const MAX_PATH_LENGTH = 1024;
const MAX_SEGMENTS = 32;
/** Content hashes kept (per path, size, mtime and inode); cleared when full. */
const HASH_CACHE_SIZE = 5_000;

/**
 * The path of a file under a bundle's root from the request's path after `/t/{token}/`
 * (query removed): percent-decoded per segment, no empty, `.` or `..` segment, no slash,
 * backslash or control character inside one. An empty path is `index.html`. Null: refused.
 */
export function bundlePath(raw: string): string | null {
  if (raw === '') return 'index.html';
  if (raw.length > MAX_PATH_LENGTH) return null;
  const segments = raw.split('/');
  if (segments.length > MAX_SEGMENTS) return null;
  const out: string[] = [];
  for (const encoded of segments) {
    let segment: string;
    try {
      segment = decodeURIComponent(encoded);
    } catch {
      return null;
    }
    // eslint-disable-next-line no-control-regex
    if (segment === '' || segment === '.' || segment === '..' || /[/\\\x00-\x1f\x7f]/.test(segment))
      return null;
    out.push(segment);
  }
  return out.join('/');
}

/** A bundle file opened for reading: a regular file under the root, reached by no link. */
export interface OpenedFile {
  handle: fs.promises.FileHandle;
  size: number;
  etag: string;
  contentType: string;
}

/**
 * Serves files of one installed version's directory, and nothing else: no directory listing,
 * no symbolic link (the file is opened with O_NOFOLLOW and must be a regular file; every
 * parent directory must resolve to itself under the root's real path), ETags from content.
 */
export class BundleFiles {
  private readonly hashes = new Map<string, { key: string; etag: string }>();

  /** The file at `rel` (from `bundlePath`) under `root`, or null when there is none to serve. */
  async open(root: string, rel: string): Promise<OpenedFile | null> {
    let realRoot: string;
    try {
      realRoot = await fs.promises.realpath(root);
    } catch {
      return null;
    }
    const file = path.join(realRoot, rel);
    if (!file.startsWith(`${realRoot}${path.sep}`)) return null;
    const parent = path.dirname(file);
    if (parent !== realRoot) {
      try {
        if ((await fs.promises.realpath(parent)) !== parent) return null;
      } catch {
        return null;
      }
    }
    let handle: fs.promises.FileHandle;
    try {
      const flags = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;
      handle = await fs.promises.open(file, flags);
    } catch {
      return null;
    }
    try {
      const st = await handle.stat();
      if (!st.isFile()) {
        await handle.close();
        return null;
      }
      const etag = await this.etagOf(file, st, handle);
      return { handle, size: st.size, etag, contentType: contentTypeOf(file) };
    } catch {
      await handle.close().catch(() => undefined);
      return null;
    }
  }

  /**
   * Answers a GET or HEAD with `headers` (the bundle's security headers) plus the file's own:
   * 304 when `If-None-Match` names its ETag. Returns the status sent, or null when there is
   * no such file (nothing sent: the caller answers 404).
   */
  async send(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    root: string,
    rel: string,
    headers: Record<string, string>,
  ): Promise<number | null> {
    const opened = await this.open(root, rel);
    if (opened === null) return null;
    const { handle, size, etag, contentType } = opened;
    const base = { ...headers, etag, 'cache-control': BUNDLE_CACHE_CONTROL };
    if (matches(req.headers['if-none-match'], etag)) {
      await handle.close();
      res.writeHead(304, base).end();
      return 304;
    }
    res.writeHead(200, { ...base, 'content-type': contentType, 'content-length': String(size) });
    if (req.method === 'HEAD') {
      await handle.close();
      res.end();
      return 200;
    }
    if (size === 0) {
      await handle.close();
      res.end();
      return 200;
    }
    // Closes the handle when done (autoClose); never past the size the headers announced.
    const stream = handle.createReadStream({ start: 0, end: size - 1 });
    stream.on('error', () => res.destroy());
    res.on('close', () => stream.destroy());
    stream.pipe(res);
    return 200;
  }

  private async etagOf(
    file: string,
    st: fs.Stats,
    handle: fs.promises.FileHandle,
  ): Promise<string> {
    const key = `${st.size}:${st.mtimeMs}:${st.ino}`;
    const hit = this.hashes.get(file);
    if (hit?.key === key) return hit.etag;
    const hash = crypto.createHash('sha256');
    const buffer = Buffer.alloc(64 * 1024);
    let position = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
    const etag = `"${hash.digest('base64url').slice(0, 27)}"`;
    if (this.hashes.size >= HASH_CACHE_SIZE) this.hashes.clear();
    this.hashes.set(file, { key, etag });
    return etag;
  }
}

/** Whether an `If-None-Match` header names `etag` (weak or strong), or is `*`. */
function matches(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const value = Array.isArray(header) ? header.join(',') : header;
  return value
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === etag || t === '*');
}
