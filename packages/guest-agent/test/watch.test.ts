import assert from 'node:assert/strict';
import {
  chmodSync,
  mkdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { WATCH_LIMITS, type FileWatchFrame } from '@paddock/shared';
import { DirWatch, RateBudget, type DirWatchOptions } from '../src/agent/watch.js';
import {
  errorCode,
  eventually,
  paddockError,
  rawRequest,
  startAgent,
  type Harness,
} from './harness.js';

/** Generous: the machine may be busy; nothing here asserts how fast an event comes. */
const DEADLINE_MS = 15_000;

/** Frames as they arrive, and a way to wait for one. */
class Frames {
  readonly all: FileWatchFrame[] = [];
  private waiters: (() => void)[] = [];

  push = (frame: FileWatchFrame): void => {
    this.all.push(frame);
    for (const w of this.waiters.splice(0)) w();
  };

  /** Waits for a frame matching `pred` (among all so far), and returns it. */
  async waitFor(pred: (f: FileWatchFrame) => boolean, what = 'a frame'): Promise<FileWatchFrame> {
    const deadline = Date.now() + DEADLINE_MS;
    for (;;) {
      const hit = this.all.find(pred);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`no ${what} in time; got ${JSON.stringify(this.all)}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The change events as `type kind path` lines, in order. */
  changes(): string[] {
    return this.all.flatMap((f) =>
      f.event === 'created' || f.event === 'changed' || f.event === 'removed'
        ? [`${f.data.type} ${f.data.kind} ${f.data.path}`]
        : [],
    );
  }
}

const is = (line: string) => (f: FileWatchFrame) =>
  'type' in f.data && `${f.data.type} ${f.data.kind} ${f.data.path}` === line;

describe('RateBudget', () => {
  test('allows so many a second, then refuses until the next second', () => {
    let now = 1_000;
    const b = new RateBudget(3, () => now);
    assert.deepEqual([b.take(), b.take(), b.take(), b.take()], [true, true, true, false]);
    now += 400;
    assert.equal(b.take(), false);
    assert.equal(b.msLeft(), 600);
    now += 600;
    assert.equal(b.take(), true);
    assert.equal(b.msLeft(), 1000);
  });
});

describe('DirWatch on a real directory', () => {
  let tmp: string;
  let root: string;
  let frames: Frames;
  let w: DirWatch | undefined;

  beforeEach(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'paddock-watch-'));
    root = path.join(tmp, 'ws');
    mkdirSync(root);
    frames = new Frames();
  });
  afterEach(async () => {
    w?.close();
    w = undefined;
    await rm(tmp, { recursive: true, force: true });
  });

  const open = async (opts: Partial<DirWatchOptions> = {}): Promise<DirWatch> => {
    w = new DirWatch({
      rel: '.',
      real: root,
      recursive: true,
      includeIgnored: false,
      send: frames.push,
      ...opts,
    });
    await w.start();
    return w;
  };
  const at = (p: string) => path.join(root, p);

  test('reports files created, changed and removed, and directories with what is in them', async () => {
    await open();
    writeFileSync(at('a.txt'), 'a');
    await frames.waitFor(is('created file a.txt'));
    writeFileSync(at('a.txt'), 'longer');
    await frames.waitFor(is('changed file a.txt'));
    // Made in one go: the nested file is found when the new directory is read.
    mkdirSync(at('d/e'), { recursive: true });
    writeFileSync(at('d/e/f.txt'), 'f');
    await frames.waitFor(is('created file d/e/f.txt'));
    // ...and the new directories are watched from then on.
    writeFileSync(at('d/e/g.txt'), 'g');
    await frames.waitFor(is('created file d/e/g.txt'));
    unlinkSync(at('a.txt'));
    await frames.waitFor(is('removed file a.txt'));
    rmSync(at('d'), { recursive: true });
    await frames.waitFor(is('removed directory d'));
    const changes = frames.changes();
    assert.ok(changes.indexOf('created directory d') < changes.indexOf('created directory d/e'));
    assert.ok(changes.indexOf('created directory d/e') < changes.indexOf('created file d/e/f.txt'));
    assert.equal(changes.filter((c) => c.endsWith(' a.txt')).length, 3, changes.join('\n'));
    assert.equal(w?.directoryCount, 1, 'the removed directories are no longer watched');
  });

  test('coalesces changes to one path within the window into their net effect', async () => {
    await open();
    // All in one tick, so within one window whatever the machine's speed.
    writeFileSync(at('gone.txt'), '1');
    unlinkSync(at('gone.txt'));
    writeFileSync(at('many.txt'), '1');
    writeFileSync(at('many.txt'), '22');
    writeFileSync(at('many.txt'), '333');
    writeFileSync(at('.x.paddock-0123456789ab.tmp'), 'the file writer’s temp file');
    renameSync(at('.x.paddock-0123456789ab.tmp'), at('x.txt'));
    await frames.waitFor(is('created file x.txt'));
    await frames.waitFor(is('created file many.txt'));
    assert.deepEqual(frames.changes().sort(), ['created file many.txt', 'created file x.txt']);
  });

  test('an atomic save (write a temp file, rename it over) is a change', async () => {
    writeFileSync(at('doc.txt'), 'v1');
    await open();
    writeFileSync(at('.doc.tmp'), 'v2');
    renameSync(at('.doc.tmp'), at('doc.txt'));
    await frames.waitFor(is('changed file doc.txt'));
    assert.deepEqual(frames.changes(), ['changed file doc.txt']);
  });

  test('a chmod is no change; a directory renamed over another is removed and created', async () => {
    mkdirSync(at('old/sub'), { recursive: true });
    writeFileSync(at('old/sub/kept.txt'), 'k');
    writeFileSync(at('mode.txt'), 'm');
    mkdirSync(at('next'));
    writeFileSync(at('next/n.txt'), 'n');
    await open();
    chmodSync(at('mode.txt'), 0o600);
    chmodSync(at('old'), 0o700);
    writeFileSync(at('zz-marker.txt'), 'z');
    await frames.waitFor(is('created file zz-marker.txt'));
    assert.deepEqual(frames.changes(), ['created file zz-marker.txt']);
    rmSync(at('old'), { recursive: true });
    renameSync(at('next'), at('old'));
    await frames.waitFor(is('created file old/n.txt'));
    await frames.waitFor(is('removed directory next'));
    const changes = frames.changes();
    assert.ok(changes.indexOf('removed directory old') < changes.indexOf('created directory old'));
    writeFileSync(at('old/n.txt'), 'watched, under its new name');
    await frames.waitFor(is('changed file old/n.txt'));
  });

  test('without recursive, only the directory’s own entries are reported', async () => {
    mkdirSync(at('sub'));
    await open({ recursive: false });
    writeFileSync(at('sub/nested.txt'), 'n');
    mkdirSync(at('newdir'));
    writeFileSync(at('newdir/inside.txt'), 'i');
    writeFileSync(at('top.txt'), 't');
    await frames.waitFor(is('created file top.txt'));
    await frames.waitFor(is('created directory newdir'));
    assert.deepEqual(frames.changes().sort(), ['created directory newdir', 'created file top.txt']);
    assert.equal(w?.directoryCount, 1);
  });

  test('skips the inside of .git and node_modules unless asked, and never follows symlinks', async () => {
    mkdirSync(at('.git/objects'), { recursive: true });
    mkdirSync(path.join(tmp, 'outside'));
    symlinkSync(path.join(tmp, 'outside'), at('link'));
    await open();
    mkdirSync(at('node_modules/pkg'), { recursive: true });
    writeFileSync(at('node_modules/pkg/index.js'), 'x');
    writeFileSync(at('.git/objects/ab'), 'x');
    writeFileSync(path.join(tmp, 'outside/secret.txt'), 'x');
    writeFileSync(at('marker.txt'), 'm');
    await frames.waitFor(is('created file marker.txt'));
    await frames.waitFor(is('created directory node_modules'));
    assert.deepEqual(frames.changes().sort(), [
      'created directory node_modules',
      'created file marker.txt',
    ]);
    assert.equal(w?.directoryCount, 1, 'only the root is watched');
    w?.close();

    frames = new Frames();
    await open({ includeIgnored: true });
    writeFileSync(at('node_modules/pkg/more.js'), 'x');
    writeFileSync(at('.git/objects/cd'), 'x');
    await frames.waitFor(is('created file node_modules/pkg/more.js'));
    await frames.waitFor(is('created file .git/objects/cd'));
  });

  test('reports a symlink as a symlink', async () => {
    await open();
    symlinkSync('/etc', at('etc-link'));
    await frames.waitFor(is('created symlink etc-link'));
  });

  test('reports paths under the directory as the client named it', async () => {
    mkdirSync(at('src'));
    await open({ rel: 'app/src', real: at('src') });
    writeFileSync(at('src/main.ts'), 'x');
    await frames.waitFor(is('created file app/src/main.ts'));
  });

  test('too many changes at once: overflow, then events again from a fresh reading', async () => {
    writeFileSync(at('kept.txt'), 'k');
    await open({ limits: { maxEventsPerSecond: 5 } });
    for (let i = 0; i < 30; i++) writeFileSync(at(`f${i}.txt`), 'x');
    const overflow = await frames.waitFor((f) => f.event === 'overflow', 'overflow');
    assert.deepEqual(overflow, { event: 'overflow', data: { path: '.' } });
    const before = frames.changes().length;
    assert.ok(before <= 5, `at most the budget before the overflow: ${before}`);
    // The re-read knows the files made during the overflow: a write is a change, not a creation.
    writeFileSync(at('f7.txt'), 'changed');
    await frames.waitFor(is('changed file f7.txt'));
    assert.equal(frames.all.filter((f) => f.event === 'overflow').length, 1);
  });

  test('too many paths pending in one window: overflow', async () => {
    await open({ limits: { maxPendingPaths: 10 } });
    for (let i = 0; i < 30; i++) writeFileSync(at(`p${i}.txt`), 'x');
    await frames.waitFor((f) => f.event === 'overflow', 'overflow');
    assert.deepEqual(frames.changes(), []);
  });

  test('refuses a tree with too many directories, and ends when one grows too many', async () => {
    for (const d of ['a', 'b', 'c']) mkdirSync(at(d));
    await assert.rejects(open({ limits: { maxDirectories: 3 } }), { code: 'bad_request' });
    frames = new Frames();
    await open({ limits: { maxDirectories: 4 } });
    mkdirSync(at('d'));
    mkdirSync(at('e'));
    const end = await frames.waitFor((f) => f.event === 'error', 'error');
    assert.equal((end.data as { code: string }).code, 'bad_request');
    assert.equal(w?.isClosed, true);
  });

  test('refuses a file, and ends when the directory itself goes', async () => {
    writeFileSync(at('file.txt'), 'x');
    await assert.rejects(open({ rel: 'file.txt', real: at('file.txt') }), {
      code: 'not_a_directory',
    });
    await assert.rejects(open({ rel: 'nope', real: at('nope') }), { code: 'file_not_found' });
    mkdirSync(at('sub'));
    await open({ rel: 'sub', real: at('sub') });
    rmSync(at('sub'), { recursive: true });
    const end = await frames.waitFor((f) => f.event === 'error', 'error');
    assert.equal((end.data as { code: string }).code, 'file_not_found');
  });
});

describe('file watches through the agent', () => {
  let h: Harness;
  before(async () => {
    h = await startAgent();
  });
  after(async () => {
    await h.stop();
  });

  const watching = async () => (await h.client.health()).watches;

  test('streams ready, then changes made through the agent; hanging up drops the watch', async () => {
    const stop = new AbortController();
    const frames = await h.client.watchFiles({ path: '.', recursive: true }, stop.signal);
    const first = await frames.next();
    assert.deepEqual(first.value, { event: 'ready', data: { path: '.' } });
    assert.equal(await watching(), 1);
    await h.client.writeFile('src/app.ts', Buffer.from('x'));
    const seen: string[] = [];
    for await (const f of frames) {
      if ('type' in f.data) seen.push(`${f.data.type} ${f.data.kind} ${f.data.path}`);
      if (seen.includes('created file src/app.ts')) break;
    }
    // The writer's temp file never shows.
    assert.ok(!seen.some((s) => s.includes('.paddock-')), seen.join('\n'));
    assert.equal(seen[0], 'created directory src');
    assert.equal(await eventually(async () => ((await watching()) === 0 ? true : undefined)), true);
  });

  test('aborting the signal drops the watch too', async () => {
    const stop = new AbortController();
    const frames = await h.client.watchFiles({ path: '.' }, stop.signal);
    await frames.next();
    assert.equal(await watching(), 1);
    stop.abort();
    await assert.rejects(frames.next());
    assert.equal(await eventually(async () => ((await watching()) === 0 ? true : undefined)), true);
  });

  test('refuses paths outside the workspace, files, unknown parameters, and more than the cap', async () => {
    await h.client.writeFile('plain.txt', Buffer.from('x'));
    for (const [p, code] of [
      ['../outside', 'invalid_path'],
      ['/etc', 'invalid_path'],
      ['plain.txt', 'not_a_directory'],
      ['missing', 'file_not_found'],
    ] as const) {
      assert.equal((await paddockError(h.client.watchFiles({ path: p }))).code, code, p);
    }
    const typo = await rawRequest(h.socket, { method: 'GET', path: '/files/watch?recursve=true' });
    assert.equal(errorCode(typo), 'unknown_field');
    const open: AbortController[] = [];
    try {
      for (let i = 0; i < WATCH_LIMITS.agentMaxWatches; i++) {
        const c = new AbortController();
        open.push(c);
        await (await h.client.watchFiles({ path: '.' }, c.signal)).next();
      }
      assert.equal((await paddockError(h.client.watchFiles({ path: '.' }))).code, 'conflict');
    } finally {
      for (const c of open) c.abort();
    }
    assert.equal(await eventually(async () => ((await watching()) === 0 ? true : undefined)), true);
  });
});

describe('file watches when the agent shuts down', () => {
  test('end with sandbox_unavailable', async () => {
    const h = await startAgent();
    try {
      const frames = await h.client.watchFiles({ path: '.' });
      assert.equal((await frames.next()).value?.event, 'ready');
      await h.client.shutdown(0);
      const last = await frames.next();
      assert.deepEqual(last.value, {
        event: 'error',
        data: { code: 'sandbox_unavailable', message: 'the sandbox is stopping' },
      });
      assert.equal((await frames.next()).done, true);
    } finally {
      await h.stop();
    }
  });
});
