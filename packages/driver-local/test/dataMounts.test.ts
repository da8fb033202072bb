/**
 * Integration: data mounts (filestores at /data/...) in real bubblewrap sandboxes. Read-only is
 * the kernel's for every program; a writable one is shared by sandboxes of different uids and
 * by root on the host, whatever umask anyone uses (ADR 0035).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AGENT_BUNDLE_PATH } from '@paddock/guest-agent';
import { PaddockError, type DataMount } from '@paddock/shared';
import { LocalDriver } from '../src/index.js';
import { DATA_GID } from '../src/jail/sandboxUser.js';
import { destroyAll, exec, newId, openTestDriver, readState, SMALL } from './helpers.js';

/** Every file below `dir` with its bytes, for "the host directory is unchanged". */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs
      .readdirSync(d, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        out[`${path.relative(dir, p)}/`] = '';
        walk(p);
      } else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

describe('data mounts', () => {
  let driver: LocalDriver;
  let dataDir: string;
  /** Like the daemon's data dir: 0700 root, so bwrap (as the sandbox uid) could not reach in. */
  let base: string;
  let inputs: string;
  let shared: string;
  let a: string;
  let b: string;
  let reader: string;

  const ro = (source: string, target = '/data/inputs'): DataMount => ({
    source,
    target,
    readOnly: true,
  });
  const rw = (source: string, target = '/data/shared'): DataMount => ({
    source,
    target,
    readOnly: false,
  });
  const run = async (id: string, command: string) => {
    const r = await exec(driver, id, command);
    return { ...r, out: r.stdout + r.stderr };
  };

  const supplementaryGroups = async (id: string) => {
    const line = (await run(id, 'grep ^Groups: /proc/self/status')).stdout.trim();
    return line.split(/\s+/).slice(1);
  };

  before(async () => {
    ({ driver, dataDir } = await openTestDriver());
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-filestores-'));
    inputs = path.join(base, 'inputs');
    shared = path.join(base, 'shared');
    fs.mkdirSync(path.join(inputs, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(inputs, 'hello.txt'), 'hello\n');
    fs.writeFileSync(path.join(inputs, 'sub', 'deep.txt'), 'deep\n', { mode: 0o600 });
    // Files already there before the first mount: the boot prepares them too.
    fs.mkdirSync(path.join(shared, 'old-dir'), { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(shared, 'old.txt'), 'old\n', { mode: 0o640 });
    // A link out of the filestore: preparing it must not touch what it points at.
    fs.writeFileSync(path.join(base, 'outside.txt'), 'host\n', { mode: 0o600 });
    fs.symlinkSync(path.join(base, 'outside.txt'), path.join(shared, 'link'));
    a = (await driver.create({ limits: SMALL, dataMounts: [ro(inputs), rw(shared)] })).id;
    b = (await driver.create({ limits: SMALL, dataMounts: [rw(shared, '/data/team/out')] })).id;
    reader = (await driver.create({ limits: SMALL, dataMounts: [ro(shared, '/data/view')] })).id;
  });
  after(async () => {
    await destroyAll(driver);
    await driver.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('shows a read-only mount that every program can read', async () => {
    const r = await run(a, 'cat /data/inputs/hello.txt /data/inputs/sub/deep.txt; ls /data/inputs');
    assert.equal(r.exit_code, 0, r.out);
    assert.equal(r.stdout, 'hello\ndeep\nhello.txt\nsub\n');
  });

  it('refuses every write to a read-only mount with EROFS, and the host dir stays as it was', async () => {
    const before = snapshot(inputs);
    const writers = [
      'echo x > /data/inputs/new.txt',
      'echo x >> /data/inputs/hello.txt',
      'touch /data/inputs/new.txt',
      'touch /data/inputs/hello.txt',
      'mkdir /data/inputs/dir',
      'rm /data/inputs/hello.txt',
      'rm -r /data/inputs/sub',
      'mv /data/inputs/hello.txt /data/inputs/moved.txt',
      'cp /etc/hostname /data/inputs/',
      'ln -s hello.txt /data/inputs/link',
      `python3 -c "open('/data/inputs/py.txt', 'w').write('x')"`,
      `node -e "require('fs').writeFileSync('/data/inputs/node.txt', 'x')"`,
      `node -e "require('fs').writeFileSync('/data/inputs/hello.txt', 'x')"`,
      'chmod 777 /data/inputs/hello.txt',
      'truncate -s 0 /data/inputs/hello.txt',
    ];
    for (const cmd of writers) {
      const r = await run(a, cmd);
      assert.notEqual(r.exit_code, 0, `${cmd} must fail`);
      assert.match(r.out, /Read-only file system|EROFS/, `${cmd}: ${r.out}`);
    }
    assert.deepEqual(snapshot(inputs), before);
  });

  it('shows what a sandbox writes to a writable mount on the host', async () => {
    const r = await run(a, 'echo from-a > /data/shared/a.txt && mkdir -p /data/shared/x/y');
    assert.equal(r.exit_code, 0, r.out);
    assert.equal(fs.readFileSync(path.join(shared, 'a.txt'), 'utf8'), 'from-a\n');
    assert.ok(fs.statSync(path.join(shared, 'x', 'y')).isDirectory());
    assert.equal(fs.statSync(path.join(shared, 'a.txt')).uid, readState(dataDir, a).uid);
  });

  for (const umask of ['', 'umask 077; ']) {
    const label = umask === '' ? 'the default umask' : 'umask 077';
    it(`lets two sandboxes of different uids change and delete each other's files, with ${label}`, async () => {
      assert.notEqual(readState(dataDir, a).uid, readState(dataDir, b).uid);
      const n = umask === '' ? 'plain' : 'strict';
      // a makes a file and a directory with a file inside; b changes and removes all of it.
      let r = await run(
        a,
        `${umask}echo one > /data/shared/${n}.txt && mkdir /data/shared/${n}-dir && echo in > /data/shared/${n}-dir/f`,
      );
      assert.equal(r.exit_code, 0, r.out);
      r = await run(
        b,
        `${umask}cd /data/team/out && echo two >> ${n}.txt && echo changed > ${n}-dir/f && touch ${n}-dir/new && cat ${n}.txt`,
      );
      assert.equal(r.exit_code, 0, r.out);
      assert.equal(r.stdout, 'one\ntwo\n');
      assert.equal(fs.readFileSync(path.join(shared, `${n}-dir`, 'f'), 'utf8'), 'changed\n');
      // And back: a changes what b made, then b deletes everything a made.
      r = await run(
        a,
        `${umask}echo again > /data/shared/${n}-dir/new && cat /data/shared/${n}-dir/new`,
      );
      assert.equal(r.exit_code, 0, r.out);
      r = await run(b, `${umask}rm /data/team/out/${n}.txt && rm -r /data/team/out/${n}-dir`);
      assert.equal(r.exit_code, 0, r.out);
      assert.ok(!fs.existsSync(path.join(shared, `${n}.txt`)));
      assert.ok(!fs.existsSync(path.join(shared, `${n}-dir`)));
    });
  }

  it('prepared the files that were there before the first mount', async () => {
    let r = await run(
      b,
      'echo more >> /data/team/out/old.txt && touch /data/team/out/old-dir/n && ls /data/team/out/old-dir',
    );
    assert.equal(r.exit_code, 0, r.out);
    assert.equal(fs.readFileSync(path.join(shared, 'old.txt'), 'utf8'), 'old\nmore\n');
    const top = fs.statSync(shared);
    assert.equal(top.gid, DATA_GID);
    assert.equal(top.uid, 0, "root's, so no sandbox can clear the marker");
    assert.ok((top.mode & 0o2000) !== 0, 'setgid: what is made inside takes the data group');
    const outside = fs.statSync(path.join(base, 'outside.txt'));
    assert.equal(outside.gid, 0, 'a symlink is not followed');
    assert.equal(outside.mode & 0o7777, 0o600);
    r = await run(b, 'cat /data/team/out/link');
    assert.notEqual(r.exit_code, 0, 'the link leads nowhere inside');
  });

  it('lets sandboxes write what root on the host creates in a prepared directory', async () => {
    fs.writeFileSync(path.join(shared, 'from-root.txt'), 'root\n');
    fs.mkdirSync(path.join(shared, 'root-dir'));
    const r = await run(
      a,
      'echo sandbox >> /data/shared/from-root.txt && echo x > /data/shared/root-dir/x && rm /data/shared/root-dir/x',
    );
    assert.equal(r.exit_code, 0, r.out);
    assert.equal(fs.readFileSync(path.join(shared, 'from-root.txt'), 'utf8'), 'root\nsandbox\n');
  });

  it('lets a read-only mount read what another sandbox wrote with umask 077, and nothing more', async () => {
    let r = await run(a, 'umask 077; echo private > /data/shared/for-reader.txt');
    assert.equal(r.exit_code, 0, r.out);
    r = await run(reader, 'cat /data/view/for-reader.txt');
    assert.equal(r.exit_code, 0, r.out);
    assert.equal(r.stdout, 'private\n');
    r = await run(reader, 'echo x >> /data/view/for-reader.txt');
    assert.match(r.out, /Read-only file system/);
  });

  it('gives the data group only to sandboxes with a data mount', async () => {
    const plain = (await driver.create({ limits: SMALL })).id;
    try {
      assert.deepEqual(await supplementaryGroups(plain), [], 'none without a data mount');
      // Inside the sandbox's user namespace the host data gid is unmapped: the overflow gid.
      assert.deepEqual(await supplementaryGroups(a), ['65534']);
    } finally {
      await driver.destroy(plain);
    }
  });

  it('boots a stopped sandbox with the data mounts it is started with, and unmounts them at stop', async () => {
    await driver.stop(b);
    const runtimeDir = String(driver.describe().details.runtime_dir);
    const staged = fs
      .readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .filter((l) => l.includes(path.join(runtimeDir, b)));
    assert.deepEqual(staged, [], 'no staged bind is left after stop');

    await driver.start(b, { limits: SMALL });
    let r = await run(b, 'ls /data/team/out');
    assert.match(r.out, /No such file or directory/);
    assert.deepEqual(await supplementaryGroups(b), [], 'no data group without a data mount');

    await driver.stop(b);
    await driver.start(b, { limits: SMALL, dataMounts: [ro(shared, '/data/again')] });
    r = await run(b, 'cat /data/again/old.txt && touch /data/again/t');
    assert.match(r.stdout, /^old\n/);
    assert.match(r.out, /Read-only file system/);
  });

  it('keeps data mounts working in sandboxes adopted by a restarted driver', async () => {
    await driver.close();
    driver = await LocalDriver.open({
      dataDir,
      agentBundlePath: AGENT_BUNDLE_PATH,
      warmPoolSize: 0,
      sweepAtStart: false,
      newId,
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    const r = await run(a, 'echo adopted > /data/shared/adopted.txt && cat /data/inputs/hello.txt');
    assert.equal(r.exit_code, 0, r.out);
    assert.equal(fs.readFileSync(path.join(shared, 'adopted.txt'), 'utf8'), 'adopted\n');
  });

  it('refuses bad targets and sources before anything is made', async () => {
    const sandboxes = () => fs.readdirSync(path.join(fs.realpathSync(dataDir), 'sandboxes')).length;
    const count = sandboxes();
    const dirLink = path.join(base, 'inputs-link');
    fs.symlinkSync(inputs, dirLink);
    const bad: Array<[string, DataMount[], string]> = [
      ['relative', [ro(inputs, 'data/x')], 'invalid_path'],
      ['the root itself', [ro(inputs, '/data')], 'invalid_path'],
      ['a trailing slash', [ro(inputs, '/data/x/')], 'invalid_path'],
      ['dot-dot', [ro(inputs, '/data/../etc')], 'invalid_path'],
      ['a dot segment', [ro(inputs, '/data/./x')], 'invalid_path'],
      ['outside /data', [ro(inputs, '/workspace/x')], 'invalid_path'],
      ['a space', [ro(inputs, '/data/a b')], 'invalid_path'],
      ['a duplicate', [ro(inputs, '/data/x'), rw(shared, '/data/x')], 'invalid_path'],
      ['nested', [ro(inputs, '/data/x'), rw(shared, '/data/x/y')], 'invalid_path'],
      ['a missing source', [ro(path.join(base, 'nope'), '/data/x')], 'invalid_path'],
      ['a file as source', [ro(path.join(inputs, 'hello.txt'), '/data/x')], 'invalid_path'],
      ['a relative source', [ro('inputs', '/data/x')], 'invalid_path'],
      ['a link to a directory as source', [ro(dirLink, '/data/x')], 'invalid_path'],
      [
        'seventeen mounts',
        Array.from({ length: 17 }, (_, i) => ro(inputs, `/data/m${i}`)),
        'bad_request',
      ],
    ];
    for (const [what, dataMounts, code] of bad) {
      await assert.rejects(
        driver.create({ limits: SMALL, dataMounts }),
        (err: unknown) => err instanceof PaddockError && err.code === code,
        what,
      );
      await assert.rejects(driver.start(a, { limits: SMALL, dataMounts }), PaddockError, what);
    }
    assert.equal(sandboxes(), count, 'no sandbox was made');
    const r = await run(a, 'cat /data/inputs/hello.txt');
    assert.equal(r.stdout, 'hello\n', 'a refused start leaves the running sandbox as it was');
  });
});
