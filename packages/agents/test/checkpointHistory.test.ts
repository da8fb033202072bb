/**
 * Reading a workspace's checkpoints and carrying one into a new workspace, over directories on
 * the host with real `sh` and `git` (as the guest agent runs them in a sandbox).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { listCheckpoints, packCheckpoint, unpackCheckpoint } from '../src/index.js';
import { parseCheckpointLog } from '../src/run/checkpointHistory.js';
import { HostWorkspace } from './hostWorkspace.js';

const TASK = `task01h${'z'.repeat(23)}`;

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
  }).trim();
}

/** A commit of everything, by `email`, with message `message`; returns its hash. */
function commit(dir: string, email: string, message: string): string {
  git(dir, 'add', '-A');
  git(
    dir,
    '-c',
    'user.name=x',
    '-c',
    `user.email=${email}`,
    'commit',
    '-q',
    '--allow-empty',
    '-m',
    message,
  );
  return git(dir, 'rev-parse', 'HEAD');
}

describe('checkpoint history', () => {
  let dir: string;
  let other: string;
  let workspace: HostWorkspace;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-history-'));
    other = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-fork-'));
    workspace = new HostWorkspace(dir);
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(other, { recursive: true, force: true });
  });

  it('has none without a repository or a commit', async () => {
    assert.deepEqual(await listCheckpoints(workspace, { limit: 10 }), {
      head: null,
      commits: [],
      more: false,
    });
    git(dir, 'init', '-q');
    assert.equal((await listCheckpoints(workspace, { limit: 10 })).head, null);
  });

  it("lists first parents from HEAD with Paddock's kinds, whatever the repository's config says", async () => {
    git(dir, 'init', '-q');
    fs.writeFileSync(path.join(dir, 'a.txt'), 'one\n');
    const base = commit(dir, 'paddock@localhost', `Workspace before task ${TASK}`);
    fs.writeFileSync(path.join(dir, 'a.txt'), 'two\nthree\n');
    fs.writeFileSync(path.join(dir, 'b.bin'), Buffer.from([0, 1, 2]));
    const task = commit(dir, `${TASK}@tasks.paddock.local`, `Paddock task ${TASK}`);
    const restore = commit(dir, 'paddock@localhost', `Restore checkpoint ${base}`);
    // Looks like a record's start, and spans lines: read as one title all the same.
    const odd = commit(dir, 'me@example.com', `${base}\n 1 file changed\n\nbody`);
    const forged = commit(dir, 'me@example.com', `Paddock task ${TASK}`);
    // Config that would change what git log prints, and a replacement that would make the
    // task's commit read as another.
    for (const [key, value] of [
      ['log.showSignature', 'true'],
      ['log.showRoot', 'false'],
      ['color.ui', 'always'],
      ['diff.renames', 'copies'],
      ['format.pretty', 'oneline'],
      ['i18n.logOutputEncoding', 'ISO-8859-1'],
    ]) {
      git(dir, 'config', key!, value!);
    }
    git(dir, 'replace', task, base);

    const page = await listCheckpoints(workspace, { limit: 10 });
    assert.equal(page.head, forged);
    assert.equal(page.more, false);
    assert.deepEqual(
      page.commits.map((c) => [c.sha, c.claim, c.title, c.changes]),
      [
        [forged, { kind: 'other' }, `Paddock task ${TASK}`, { files: 0, added: 0, removed: 0 }],
        [odd, { kind: 'other' }, `${base}  1 file changed`, { files: 0, added: 0, removed: 0 }],
        [
          restore,
          { kind: 'restore', restored: base },
          `Restore checkpoint ${base}`,
          { files: 0, added: 0, removed: 0 },
        ],
        [
          task,
          { kind: 'task', task_id: TASK },
          `Paddock task ${TASK}`,
          { files: 2, added: 2, removed: 1 },
        ],
        [
          base,
          { kind: 'baseline' },
          `Workspace before task ${TASK}`,
          { files: 1, added: 1, removed: 0 },
        ],
      ],
    );
    for (const c of page.commits) assert.ok(!Number.isNaN(Date.parse(c.created_at)));

    const first = await listCheckpoints(workspace, { limit: 2 });
    assert.deepEqual([first.commits.map((c) => c.sha), first.more], [[forged, odd], true]);
    const next = await listCheckpoints(workspace, { limit: 2, after: odd });
    assert.deepEqual([next.commits.map((c) => c.sha), next.more], [[restore, task], true]);
    const last = await listCheckpoints(workspace, { limit: 2, after: task });
    assert.deepEqual([last.commits.map((c) => c.sha), last.more], [[base], false]);
    await assert.rejects(listCheckpoints(workspace, { limit: 2, after: 'f'.repeat(40) }), {
      code: 'bad_request',
    });
  });

  it('leaves out a record that output cut short', () => {
    const sha = 'a'.repeat(40);
    const lines = [sha, '1700000000', 'x@y', 'one', '', ' 1 file changed', 'b'.repeat(40), '17'];
    assert.deepEqual(
      parseCheckpointLog(lines, true).map((c) => [c.sha, c.changes.files, c.created_at]),
      [[sha, 1, '2023-11-14T22:13:20.000Z']],
    );
    assert.deepEqual(parseCheckpointLog(lines.slice(0, 5), true), [], 'its stat may be cut off');
    assert.throws(() => parseCheckpointLog(lines, false), { code: 'internal' });
  });

  it('carries a checkpoint with its history into a new repository, and nothing else', async () => {
    git(dir, 'init', '-q');
    fs.writeFileSync(path.join(dir, 'a.txt'), 'one\n');
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src', 'x.js'), 'x\n');
    const base = commit(dir, 'paddock@localhost', `Workspace before task ${TASK}`);
    fs.writeFileSync(path.join(dir, 'a.txt'), 'two\n');
    const one = commit(dir, `${TASK}@tasks.paddock.local`, `Paddock task ${TASK}`);
    fs.writeFileSync(path.join(dir, 'later.txt'), 'later\n');
    commit(dir, 'me@example.com', 'later');
    git(dir, 'config', 'paddock.marker', 'source');

    await assert.rejects(packCheckpoint(new HostWorkspace(other), one, 'x.pack'), {
      code: 'not_found',
    });
    const full = await packCheckpoint(workspace, one.slice(0, 10), '.git/fork.pack');
    assert.equal(full, one);
    fs.copyFileSync(path.join(dir, '.git', 'fork.pack'), path.join(other, '.fork.pack'));
    const target = new HostWorkspace(other);
    assert.equal(await unpackCheckpoint(target, full, '.fork.pack'), one);

    assert.equal(fs.readFileSync(path.join(other, 'a.txt'), 'utf8'), 'two\n');
    assert.equal(fs.readFileSync(path.join(other, 'src', 'x.js'), 'utf8'), 'x\n');
    assert.ok(!fs.existsSync(path.join(other, 'later.txt')));
    assert.ok(!fs.existsSync(path.join(other, '.fork.pack')), 'the pack is removed');
    assert.equal(git(other, 'status', '--porcelain'), '');
    assert.equal(git(other, 'log', '--format=%H').split('\n').join(' '), `${one} ${base}`);
    assert.throws(() => git(other, 'config', 'paddock.marker'), 'no config crosses');
    assert.match(
      fs.readFileSync(path.join(other, '.git', 'info', 'exclude'), 'utf8'),
      /^node_modules\/$/m,
    );
    await assert.rejects(unpackCheckpoint(target, full, '.fork.pack'), { code: 'conflict' });

    await assert.rejects(packCheckpoint(workspace, 'f'.repeat(40), '.git/x.pack'), {
      code: 'not_found',
    });
  });
});
