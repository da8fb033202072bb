import { constants, type Stats } from 'node:fs';
import {
  cp,
  lstat,
  mkdir,
  open,
  readdir,
  readlink,
  rename,
  rm,
  rmdir,
  unlink,
} from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import {
  AGENT_LIMITS,
  PaddockError,
  type FileListing,
  type FileStat,
  type FileType,
  type FileWritten,
  type MkdirRequest,
  type MoveRequest,
} from '@paddock/shared';
import { errnoCode, fsError } from './fsErrors.js';
import {
  optBoolean,
  parseQuery,
  queryBoolean,
  queryInteger,
  rejectUnknownFields,
  reqString,
  requireJsonObject,
  sendEmpty,
  sendJson,
} from './http.js';
import { assertTreeMayMove, type Workspace } from './workspacePath.js';

// The bodies' fields; the types keep them in step with the protocol's schemas.
const MKDIR_FIELDS = ['path', 'parents'] satisfies (keyof MkdirRequest)[];
const MOVE_FIELDS = ['from', 'to', 'overwrite'] satisfies (keyof MoveRequest)[];

function typeOf(st: Stats): FileType {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return 'directory';
  if (st.isFile()) return 'file';
  return 'other';
}

function joinRel(parent: string, name: string): string {
  return parent === '.' ? name : `${parent}/${name}`;
}

async function describe(rel: string, real: string, st: Stats): Promise<FileStat> {
  const out: FileStat = {
    path: rel,
    name: rel === '.' ? '.' : path.posix.basename(rel),
    type: typeOf(st),
    size: st.size,
    mode: (st.mode & 0o7777).toString(8).padStart(4, '0'),
    modified_at: st.mtime.toISOString(),
  };
  if (st.isSymbolicLink()) {
    try {
      out.link_target = await readlink(real);
    } catch {
      // Replaced between lstat and readlink: report it without a target.
    }
  }
  return out;
}

async function lstatOrThrow(real: string, rel: string): Promise<Stats> {
  try {
    return await lstat(real);
  } catch (err) {
    throw fsError(err, rel);
  }
}

function requirePath(query: Map<string, string>): string {
  const p = query.get('path');
  if (p === undefined)
    throw new PaddockError('invalid_path', 'the path query parameter is required');
  return p;
}

/** GET /files?path=: the raw bytes of one regular file. */
export async function handleRead(res: ServerResponse, ws: Workspace, url: URL): Promise<void> {
  const { rel, real } = await ws.resolveRead(requirePath(parseQuery(url, ['path'])));
  let handle;
  try {
    // O_NONBLOCK: opening a FIFO must not hang the request; it is refused below.
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    throw fsError(err, rel);
  }
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw new PaddockError('is_a_directory', `is a directory: ${rel}`);
    if (!st.isFile()) throw new PaddockError('bad_request', `not a regular file: ${rel}`);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': st.size });
    if (st.size === 0) {
      res.end();
      return;
    }
    // Bounded by the size we announced, in case the file grows while it is sent.
    const stream = handle.createReadStream({ autoClose: false, start: 0, end: st.size - 1 });
    // A client that hangs up mid-file is not an agent error.
    await pipeline(stream, res).catch(() => res.destroy());
  } finally {
    await handle.close();
  }
}

/** Undoes `mkdir -p` after a failed write: removes `dir` and its parents up to `top`, if empty. */
async function removeEmptyDirs(dir: string, top: string): Promise<void> {
  for (let d = dir; d.startsWith(top); d = path.dirname(d)) {
    try {
      await rmdir(d);
    } catch {
      return;
    }
    if (d === top) return;
  }
}

function parseMode(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^0?[0-7]{3,4}$/.test(raw))
    throw new PaddockError('bad_request', 'mode must be octal, e.g. 0644');
  const mode = parseInt(raw, 8);
  if (mode > 0o7777) throw new PaddockError('bad_request', 'mode must be octal, e.g. 0644');
  return mode;
}

/**
 * PUT /files?path=: the body goes to a temp file beside the target and is renamed into place,
 * so a failed or oversized write never leaves a partial file.
 */
export async function handleWrite(
  req: IncomingMessage,
  res: ServerResponse,
  ws: Workspace,
  url: URL,
): Promise<void> {
  const query = parseQuery(url, ['path', 'mode']);
  const mode = parseMode(query.get('mode'));
  const target = await ws.resolveWrite(requirePath(query));
  const { rel, real } = target;
  if (rel === '.') throw new PaddockError('is_a_directory', 'cannot write to the workspace root');
  const cap = AGENT_LIMITS.fileWriteBytes;
  if (Number(req.headers['content-length'] ?? 0) > cap) {
    throw new PaddockError('payload_too_large', `file writes are capped at ${cap} bytes`);
  }

  let existingMode: number | undefined;
  try {
    const st = await lstat(real);
    if (st.isDirectory()) throw new PaddockError('is_a_directory', `is a directory: ${rel}`);
    existingMode = st.mode & 0o7777;
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw fsError(err, rel);
  }

  const dir = path.dirname(real);
  let firstCreated: string | undefined;
  try {
    firstCreated = await mkdir(dir, { recursive: true });
  } catch (err) {
    throw fsError(err, rel);
  }
  // Shortened so a name near the 255-byte limit still leaves room for the suffix.
  const tmp = path.join(
    dir,
    `.${path.basename(real).slice(0, 100)}.paddock-${randomBytes(6).toString('hex')}.tmp`,
  );
  let handle;
  try {
    handle = await open(tmp, 'wx', 0o644);
  } catch (err) {
    throw fsError(err, rel);
  }
  let size = 0;
  let renamed = false;
  try {
    // destroyOnReturn: false keeps the socket usable, so a 413 can still be answered.
    for await (const chunk of req.iterator({ destroyOnReturn: false })) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > cap) break;
      await handle.write(buf);
    }
    if (size > cap) {
      throw new PaddockError('payload_too_large', `file writes are capped at ${cap} bytes`);
    }
    const finalMode = mode ?? existingMode;
    if (finalMode !== undefined) await handle.chmod(finalMode);
    await handle.close();
    handle = undefined;
    await rename(tmp, real);
    renamed = true;
  } catch (err) {
    throw fsError(err, rel);
  } finally {
    await handle?.close().catch(() => {});
    if (!renamed) {
      await unlink(tmp).catch(() => {});
      if (firstCreated !== undefined) await removeEmptyDirs(dir, firstCreated);
    }
  }
  const written: FileWritten = { path: rel, size };
  sendJson(res, 200, written);
}

/** GET /files/list?path=&depth=: entries under a directory, symlinks reported and never followed. */
export async function handleList(res: ServerResponse, ws: Workspace, url: URL): Promise<void> {
  const query = parseQuery(url, ['path', 'depth']);
  const depth = queryInteger(query, 'depth', 1, AGENT_LIMITS.maxListDepth) ?? 1;
  const { rel, real } = await ws.resolveRead(query.get('path') ?? '.');
  const root = await lstatOrThrow(real, rel);
  if (!root.isDirectory()) throw new PaddockError('not_a_directory', `not a directory: ${rel}`);

  const entries: FileStat[] = [];
  let truncated = false;
  const walk = async (dirReal: string, dirRel: string, level: number): Promise<void> => {
    let names: string[];
    try {
      names = (await readdir(dirReal)).sort();
    } catch (err) {
      // A subdirectory removed or unreadable mid-walk is skipped; only the root must be readable.
      if (level === 1) throw fsError(err, dirRel);
      return;
    }
    for (const name of names) {
      if (entries.length >= AGENT_LIMITS.listEntries) {
        truncated = true;
        return;
      }
      const entryReal = path.join(dirReal, name);
      const entryRel = joinRel(dirRel, name);
      let st: Stats;
      try {
        st = await lstat(entryReal);
      } catch {
        continue;
      }
      entries.push(await describe(entryRel, entryReal, st));
      if (st.isDirectory() && level < depth) await walk(entryReal, entryRel, level + 1);
      if (truncated) return;
    }
  };
  await walk(real, rel, 1);
  const listing: FileListing = { path: rel, entries, truncated };
  sendJson(res, 200, listing);
}

/** GET /files/stat?path=: lstat semantics, a symlink is described, not followed. */
export async function handleStat(res: ServerResponse, ws: Workspace, url: URL): Promise<void> {
  const { rel, real } = await ws.resolveNoFollow(requirePath(parseQuery(url, ['path'])));
  sendJson(res, 200, await describe(rel, real, await lstatOrThrow(real, rel)));
}

/** POST /files/mkdir. */
export async function handleMkdir(
  req: IncomingMessage,
  res: ServerResponse,
  ws: Workspace,
): Promise<void> {
  const body = await requireJsonObject(req);
  rejectUnknownFields(body, MKDIR_FIELDS);
  const parents = optBoolean(body, 'parents') ?? false;
  // resolveWrite checks the full path, requested and resolved; a path is denied whenever one of
  // its prefixes is, so every parent `parents` creates is covered too.
  const { rel, real } = await ws.resolveWrite(reqString(body, 'path', { min: 1, max: 4096 }));
  let created = true;
  try {
    if (parents) {
      const st = await lstat(real).catch(() => null);
      if (st && !st.isDirectory())
        throw new PaddockError('already_exists', `exists and is not a directory: ${rel}`);
      created = st === null;
      await mkdir(real, { recursive: true });
    } else {
      await mkdir(real);
    }
  } catch (err) {
    throw fsError(err, rel);
  }
  sendJson(res, created ? 201 : 200, await describe(rel, real, await lstatOrThrow(real, rel)));
}

/** POST /files/move: rename within the workspace; an existing target needs `overwrite`. */
export async function handleMove(
  req: IncomingMessage,
  res: ServerResponse,
  ws: Workspace,
): Promise<void> {
  const body = await requireJsonObject(req);
  rejectUnknownFields(body, MOVE_FIELDS);
  const overwrite = optBoolean(body, 'overwrite') ?? false;
  const from = await ws.resolveNoFollow(reqString(body, 'from', { min: 1, max: 4096 }));
  const to = await ws.resolveWrite(reqString(body, 'to', { min: 1, max: 4096 }));
  if (from.rel === '.' || to.rel === '.') {
    throw new PaddockError('invalid_path', 'the workspace root cannot be moved or replaced');
  }
  const source = await lstatOrThrow(from.real, from.rel);
  // The directory entry itself: moving onto a symlink replaces the link, as `mv` does.
  const dest = to.entry;
  // The target passed the deny list; what a directory carries with it must pass too, under both
  // the requested name and where it really lands (a parent may be a symlink).
  if (source.isDirectory()) {
    await assertTreeMayMove(from.real, from.rel, [...new Set([to.rel, ws.relativeOf(dest)])]);
  }
  const existing = await lstat(dest).catch(() => null);
  if (existing && !overwrite) throw new PaddockError('already_exists', `already exists: ${to.rel}`);
  try {
    await mkdir(path.dirname(dest), { recursive: true });
    try {
      await rename(from.real, dest);
    } catch (err) {
      if (errnoCode(err) !== 'EXDEV') throw err;
      // Crossing a mount inside the workspace: copy, then remove the source.
      await cp(from.real, dest, {
        recursive: true,
        force: overwrite,
        errorOnExist: !overwrite,
        verbatimSymlinks: true,
      });
      await rm(from.real, { recursive: true, force: true });
    }
  } catch (err) {
    throw fsError(err, to.rel);
  }
  sendJson(res, 200, await describe(to.rel, dest, await lstatOrThrow(dest, to.rel)));
}

/** DELETE /files?path=&recursive=: a symlink is removed, never its target. */
export async function handleDelete(res: ServerResponse, ws: Workspace, url: URL): Promise<void> {
  const query = parseQuery(url, ['path', 'recursive']);
  const recursive = queryBoolean(query, 'recursive') ?? false;
  const { rel, real } = await ws.resolveNoFollow(requirePath(query));
  if (rel === '.') throw new PaddockError('invalid_path', 'the workspace root cannot be deleted');
  const st = await lstatOrThrow(real, rel);
  try {
    if (!st.isDirectory()) await unlink(real);
    else if (recursive) await rm(real, { recursive: true });
    else await rmdir(real);
  } catch (err) {
    throw fsError(err, rel);
  }
  sendEmpty(res, 204);
}
