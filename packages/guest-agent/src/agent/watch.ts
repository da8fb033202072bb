/*
 * File watches: GET /files/watch streams the changes under one directory as server-sent events.
 *
 * Built on plain `fs.watch` of one directory at a time (an inotify watch each), not on
 * `fs.watch(dir, {recursive: true})`: node 20's recursive mode on Linux watches every *file* and
 * stats synchronously, following symlinks, which an `npm install` turns into thousands of
 * watches and a blocked event loop. Here a recursive watch adds a directory's watch when the
 * directory appears and drops it when it goes, never descends through a symlink, and never looks
 * inside `.git` or `node_modules` unless asked.
 *
 * inotify only says "something happened to this name". Names are gathered for a short window
 * (WATCH_LIMITS.coalesceMs), then each is looked at once with lstat and compared with what the
 * watch knew, which gives created, changed or removed as the net effect: a file written and
 * deleted within the window, like the file writer's own temp file, is no event at all. More
 * changes than the per-second budget, or more pending names than the cap, drop what is pending:
 * the watch then waits out the second, reads its directories again without reporting, and sends
 * `overflow` so the client lists the directory again. Memory stays bounded either way.
 */
import { watch as fsWatch, type FSWatcher, type Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import {
  encodeSseFrame,
  PaddockError,
  WATCH_LIMITS,
  type FileType,
  type FileWatchFrame,
} from '@paddock/shared';
import { errnoCode, fsError } from './fsErrors.js';
import { parseQuery, queryBoolean } from './http.js';
import type { Workspace } from './workspacePath.js';

/** Directories whose contents a watch skips unless `include_ignored`; the directory itself is reported. */
export const IGNORED_DIRS: ReadonlySet<string> = new Set(['.git', 'node_modules']);

/** The file writer's temp files (files.ts): `.NAME.paddock-XXXXXXXXXXXX.tmp`, never reported. */
const WRITER_TEMP = /^\..*\.paddock-[0-9a-f]{12}\.tmp$/s;

/** Entries of one directory looked at (lstat) at once. */
const LSTAT_BATCH = 64;

/** A follower that reads slower than this much buffered output is cut off. */
const STREAM_BUFFER_BYTES = 1024 * 1024;

export interface WatchLimits {
  maxDirectories: number;
  maxEntries: number;
  coalesceMs: number;
  maxEventsPerSecond: number;
  maxPendingPaths: number;
}

/** At most `perSecond` takes per one-second slot. `now` is injectable for tests. */
export class RateBudget {
  private slotStart = -Infinity;
  private used = 0;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(): boolean {
    const t = this.now();
    if (t - this.slotStart >= 1000) {
      this.slotStart = t;
      this.used = 0;
    }
    if (this.used >= this.perSecond) return false;
    this.used++;
    return true;
  }

  /** Milliseconds until the current slot ends (0 when there is none). */
  msLeft(): number {
    return Math.max(0, this.slotStart + 1000 - this.now());
  }
}

interface Entry {
  kind: FileType;
  /** What a change is judged by (`signature`). */
  sig: string;
}

interface WatchedDir {
  watcher: FSWatcher;
  /** The directory's entries by name, as last seen. */
  entries: Map<string, Entry>;
}

function kindOf(st: Stats): FileType {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return 'directory';
  if (st.isFile()) return 'file';
  return 'other';
}

/** A directory is judged by its inode only (its contents report themselves); a file by content. */
function signature(st: Stats): string {
  return st.isDirectory() ? `${st.ino}` : `${st.ino}:${st.size}:${st.mtimeMs}`;
}

function parentOf(sub: string): string {
  const i = sub.lastIndexOf('/');
  return i === -1 ? '' : sub.slice(0, i);
}

function join(sub: string, name: string): string {
  return sub === '' ? name : `${sub}/${name}`;
}

export interface DirWatchOptions {
  /** The watched directory as the client named it, normalised and workspace-relative. */
  rel: string;
  /** The same directory on disk, symlinks resolved. */
  real: string;
  recursive: boolean;
  includeIgnored: boolean;
  /** Where frames go; an `error` frame is the last. */
  send: (frame: FileWatchFrame) => void;
  limits?: Partial<WatchLimits>;
}

/**
 * One watch: `start` reads the tree and puts the watches in place (its errors are the
 * request's), then changes go to `send` until `close`, or until the watch ends itself with an
 * `error` frame (the directory went away, a cap was reached).
 */
export class DirWatch {
  private readonly limits: WatchLimits;
  private readonly budget: RateBudget;
  /** Watched directories by their path below the root (`''` is the root). */
  private readonly dirs = new Map<string, WatchedDir>();
  private entryCount = 0;
  private pending = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private overflowed = false;
  private rootIno = -1;
  /** Every look at the disk runs here, one after the other, so state changes never interleave. */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  /** Why the watch ended itself, if it did. */
  private failure: PaddockError | undefined;

  constructor(private readonly o: DirWatchOptions) {
    this.limits = { ...WATCH_LIMITS, ...o.limits };
    this.budget = new RateBudget(this.limits.maxEventsPerSecond);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Number of directories watched (inotify watches held). */
  get directoryCount(): number {
    return this.dirs.size;
  }

  /** Reads the tree and puts the watches in place; frames flow once it has resolved. */
  async start(): Promise<void> {
    const run = this.queue.then(async () => {
      const st = await lstat(this.o.real).catch((err: unknown) => {
        throw fsError(err, this.o.rel);
      });
      if (!st.isDirectory())
        throw new PaddockError('not_a_directory', `not a directory: ${this.o.rel}`);
      this.rootIno = st.ino;
      await this.watchTree('', false);
    });
    this.queue = run.catch(() => undefined);
    try {
      await run;
    } catch (err) {
      this.close();
      throw err;
    }
    if (this.failure) throw this.failure;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.flushTimer);
    clearTimeout(this.resyncTimer);
    for (const d of this.dirs.values()) d.watcher.close();
    this.dirs.clear();
    this.pending.clear();
  }

  /** Ends the watch with a last `error` frame. */
  endWith(code: 'sandbox_unavailable', message: string): void {
    this.fail(new PaddockError(code, message));
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    const e =
      err instanceof PaddockError
        ? err
        : new PaddockError('internal', 'the watch failed unexpectedly');
    if (!(err instanceof PaddockError)) console.error('guest-agent: watch failed:', err);
    this.failure = e;
    this.close();
    this.o.send({ event: 'error', data: { code: e.code, message: e.message } });
  }

  private enqueue(work: () => Promise<void>): void {
    this.queue = this.queue.then(async () => {
      if (this.closed) return;
      try {
        await work();
      } catch (err) {
        this.fail(err);
      }
    });
  }

  private realOf(sub: string): string {
    return sub === '' ? this.o.real : path.join(this.o.real, sub);
  }

  private pathOf(sub: string): string {
    if (sub === '') return this.o.rel;
    return this.o.rel === '.' ? sub : `${this.o.rel}/${sub}`;
  }

  /** Whether a directory named `name` below the root gets a watch of its own. */
  private followsInto(name: string): boolean {
    return this.o.recursive && (this.o.includeIgnored || !IGNORED_DIRS.has(name));
  }

  /**
   * Watches `sub` and, when recursive, every directory below it. With `report`, each entry found
   * is a `created` event (the directory is new, and so is what was written into it before its
   * watch was in place).
   */
  private async watchTree(sub: string, report: boolean): Promise<void> {
    const todo = [sub];
    // A new tree that overflows the budget is read again by the re-read anyway.
    while (todo.length > 0 && !this.closed && !(report && this.overflowed)) {
      const dir = todo.shift() as string;
      if (this.dirs.has(dir)) continue;
      if (this.dirs.size >= this.limits.maxDirectories) {
        throw new PaddockError(
          'bad_request',
          `${this.o.rel} has more than ${this.limits.maxDirectories} directories to watch; watch a subdirectory, or without recursive`,
        );
      }
      const real = this.realOf(dir);
      let watcher: FSWatcher;
      try {
        watcher = fsWatch(real, { persistent: false }, (_type, name) => this.noticed(dir, name));
      } catch (err) {
        const code = errnoCode(err);
        // Gone or replaced since it was listed: its parent's watch reports that.
        if (dir !== '' && (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES')) continue;
        if (code === 'ENOSPC' || code === 'EMFILE')
          throw new PaddockError('bad_request', 'the sandbox has no inotify watches left');
        throw fsError(err, this.pathOf(dir));
      }
      watcher.on('error', () => this.lost(dir));
      const entries = new Map<string, Entry>();
      this.dirs.set(dir, { watcher, entries });
      // Listed after the watch is in place, so nothing created in between is missed.
      let names: string[];
      try {
        names = (await readdir(real)).filter((n) => !WRITER_TEMP.test(n));
      } catch (err) {
        if (dir === '') throw fsError(err, this.o.rel);
        this.unwatch(dir);
        continue;
      }
      // Each entry is looked at now, so a later notice is judged against what it was, and the
      // notice for a write that a new directory's listing already reported is not a second event.
      for (let i = 0; i < names.length; i += LSTAT_BATCH) {
        const batch = names.slice(i, i + LSTAT_BATCH);
        const stats = await Promise.all(
          batch.map((n) => lstat(path.join(real, n)).catch(() => null)),
        );
        for (const [k, name] of batch.entries()) {
          const st = stats[k];
          if (!st) continue; // gone already
          if (++this.entryCount > this.limits.maxEntries) {
            throw new PaddockError(
              'bad_request',
              `${this.o.rel} has more than ${this.limits.maxEntries} entries to watch; watch a subdirectory, or without recursive`,
            );
          }
          const entry: Entry = { kind: kindOf(st), sig: signature(st) };
          entries.set(name, entry);
          const entrySub = join(dir, name);
          if (report) this.emit('created', entrySub, entry.kind);
          if (entry.kind === 'directory' && this.followsInto(name)) todo.push(entrySub);
        }
      }
    }
  }

  /** Stops watching `sub` and everything below it, silently. */
  private unwatch(sub: string): void {
    const prefix = `${sub}/`;
    for (const [dir, d] of this.dirs) {
      if (sub === '' || dir === sub || dir.startsWith(prefix)) {
        d.watcher.close();
        this.entryCount -= d.entries.size;
        this.dirs.delete(dir);
      }
    }
  }

  /** A directory's watch failed: look at the directory again through its parent. */
  private lost(dir: string): void {
    if (dir === '') {
      this.fail(new PaddockError('file_not_found', `the watched directory is gone: ${this.o.rel}`));
      return;
    }
    this.noticed(parentOf(dir), path.posix.basename(dir));
  }

  /** inotify said something happened to `name` in the watched directory `dir`. */
  private noticed(dir: string, name: string | null): void {
    if (this.closed || this.overflowed) return;
    // No name: the kernel's queue overflowed, so what happened is unknown.
    if (name === null) {
      this.overflow();
      return;
    }
    if (WRITER_TEMP.test(name)) return;
    // The root's own events (deleted, moved) come named after it.
    if (dir === '' && name === path.basename(this.o.real)) this.pending.add('\0root');
    this.pending.add(join(dir, name));
    if (this.pending.size > this.limits.maxPendingPaths) {
      this.overflow();
      return;
    }
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      this.enqueue(() => this.flush());
    }, this.limits.coalesceMs);
  }

  private async flush(): Promise<void> {
    if (this.overflowed) return;
    const paths = [...this.pending].sort();
    this.pending = new Set();
    for (const sub of paths) {
      if (this.closed || this.overflowed) return;
      if (sub === '\0root') await this.checkRoot();
      else await this.look(sub);
    }
  }

  private async checkRoot(): Promise<void> {
    const st = await lstat(this.o.real).catch(() => null);
    if (!st?.isDirectory() || st.ino !== this.rootIno) {
      throw new PaddockError(
        'file_not_found',
        `the watched directory was removed or replaced: ${this.o.rel}`,
      );
    }
  }

  /** Compares one path on disk with what the watch knew, and reports the difference. */
  private async look(sub: string): Promise<void> {
    const dir = this.dirs.get(parentOf(sub));
    if (!dir) return; // its directory is no longer watched (removed in this same window)
    const name = sub.slice(sub.lastIndexOf('/') + 1);
    const before = dir.entries.get(name);
    let st: Stats | null = null;
    try {
      st = await lstat(this.realOf(sub));
    } catch (err) {
      const code = errnoCode(err);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw fsError(err, this.pathOf(sub));
    }
    if (!st) {
      if (before) this.removed(sub, dir, name, before);
      return;
    }
    const kind = kindOf(st);
    const sig = signature(st);
    if (before && (before.kind !== kind || (kind === 'directory' && before.sig !== sig))) {
      // Replaced by something else (or another directory): gone, then new.
      this.removed(sub, dir, name, before);
    } else if (before) {
      const changed = before.sig !== sig;
      before.sig = sig;
      if (changed && kind !== 'directory') this.emit('changed', sub, kind);
      return;
    }
    if (++this.entryCount > this.limits.maxEntries) {
      throw new PaddockError(
        'bad_request',
        `${this.o.rel} has more than ${this.limits.maxEntries} entries to watch`,
      );
    }
    dir.entries.set(name, { kind, sig });
    this.emit('created', sub, kind);
    if (kind === 'directory' && this.followsInto(name)) {
      await this.watchTree(sub, true);
    }
  }

  private removed(sub: string, dir: WatchedDir, name: string, before: Entry): void {
    dir.entries.delete(name);
    this.entryCount--;
    if (before.kind === 'directory') this.unwatch(sub);
    this.emit('removed', sub, before.kind);
  }

  private emit(type: 'created' | 'changed' | 'removed', sub: string, kind: FileType): void {
    if (this.closed || this.overflowed) return;
    if (!this.budget.take()) {
      this.overflow();
      return;
    }
    this.o.send({ event: type, data: { type, path: this.pathOf(sub), kind } });
  }

  /**
   * Too much at once: drop what is pending, ignore notices for the rest of the budget's second,
   * then read every directory again (silently) and tell the client to list again.
   */
  private overflow(): void {
    if (this.overflowed || this.closed) return;
    this.overflowed = true;
    this.pending.clear();
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.resyncTimer = setTimeout(
      () => {
        this.resyncTimer = undefined;
        this.enqueue(async () => {
          // Notices count again from here; the re-read below sees everything before them.
          this.overflowed = false;
          this.unwatch('');
          this.entryCount = 0;
          await this.checkRoot();
          await this.watchTree('', false);
          this.o.send({ event: 'overflow', data: { path: this.o.rel } });
        });
      },
      Math.max(this.limits.coalesceMs, this.budget.msLeft()),
    );
  }
}

/** The open watches of this agent, capped (the daemon enforces the lower per-sandbox cap). */
export class WatchRegistry {
  private readonly open = new Set<DirWatch>();

  constructor(private readonly max: number = WATCH_LIMITS.agentMaxWatches) {}

  get size(): number {
    return this.open.size;
  }

  add(w: DirWatch): void {
    if (this.open.size >= this.max) {
      throw new PaddockError('conflict', `the agent already has ${this.max} file watches open`);
    }
    this.open.add(w);
  }

  delete(w: DirWatch): void {
    this.open.delete(w);
  }

  /** On shutdown: every watch ends with `sandbox_unavailable`. */
  endAll(): void {
    for (const w of [...this.open]) w.endWith('sandbox_unavailable', 'the sandbox is stopping');
  }
}

/** GET /files/watch?path=&recursive=&include_ignored= */
export async function handleWatch(
  res: ServerResponse,
  ws: Workspace,
  url: URL,
  registry: WatchRegistry,
): Promise<void> {
  const query = parseQuery(url, ['path', 'recursive', 'include_ignored']);
  const recursive = queryBoolean(query, 'recursive') ?? false;
  const includeIgnored = queryBoolean(query, 'include_ignored') ?? false;
  const { rel, real } = await ws.resolveRead(query.get('path') ?? '.');
  const send = (frame: FileWatchFrame): void => {
    // Before the answer starts, an error is the request's own (start throws it).
    if (!res.headersSent || res.destroyed || res.writableEnded) return;
    res.write(encodeSseFrame(frame));
    if (frame.event === 'error') res.end();
    else if (res.writableLength > STREAM_BUFFER_BYTES) res.destroy();
  };
  const w = new DirWatch({ rel, real, recursive, includeIgnored, send });
  registry.add(w);
  const done = (): void => {
    w.close();
    registry.delete(w);
  };
  // `close` fires when the client hangs up, whether before or after the answer started.
  res.once('close', done);
  try {
    await w.start();
  } catch (err) {
    done();
    throw err;
  }
  // The daemon hung up while the tree was read, or shutdown ended the watch.
  if (res.destroyed) return;
  if (w.isClosed) throw new PaddockError('sandbox_unavailable', 'the sandbox is stopping');
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
  });
  send({ event: 'ready', data: { path: rel } });
}
