import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { PaddockError } from '@paddock/shared';
import { assertDataGidFree, DATA_GID, UID_RANGE, UidAllocator } from '../src/jail/sandboxUser.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-uids-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

let n = 0;
function claimDir(): string {
  return path.join(tmp, `claims-${n++}`);
}

function accounts(lines: string[]): string {
  const file = path.join(tmp, `accounts-${n++}`);
  fs.writeFileSync(file, lines.join('\n'));
  return file;
}

describe('UidAllocator', () => {
  it('hands out a non-root uid from the high range, claimed by an exclusive file in a 0700 dir', () => {
    const dir = claimDir();
    const alloc = new UidAllocator({ claimDir: dir });
    const uid = alloc.allocate({ data_dir: '/data/a', sandbox_id: 'sb1' });
    assert.ok(uid >= UID_RANGE.first && uid <= UID_RANGE.last);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    const claim = JSON.parse(fs.readFileSync(path.join(dir, String(uid)), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.equal(claim.data_dir, '/data/a');
    assert.equal(claim.sandbox_id, 'sb1');
    assert.deepEqual(alloc.owner(uid), { data_dir: '/data/a', sandbox_id: 'sb1' });
  });

  it('never hands out uid 0 or an id that exists in passwd, group or subuid', () => {
    const range = { first: 1_500_000, last: 1_500_004 };
    const alloc = new UidAllocator({
      claimDir: claimDir(),
      range,
      passwdFile: accounts(['root:x:0:0::/root:/bin/sh', 'taken:x:1500000:100::/:/bin/sh']),
      groupFile: accounts(['root:x:0:', 'grp:x:1500001:']),
      subuidFile: accounts(['alice:1500002:2']),
      subgidFile: accounts([]),
    });
    assert.equal(alloc.allocate({ data_dir: '/d', sandbox_id: 'a' }), 1_500_004);
    assert.throws(() => alloc.allocate({ data_dir: '/d', sandbox_id: 'b' }), PaddockError);
    assert.throws(
      () => new UidAllocator({ claimDir: claimDir(), range: { first: 0, last: 10 } }),
      PaddockError,
    );
  });

  it('two daemons with different data dirs sharing the claim dir never get the same uid', () => {
    const dir = claimDir();
    const range = { first: 1_600_000, last: 1_600_049 };
    const a = new UidAllocator({ claimDir: dir, range });
    const b = new UidAllocator({ claimDir: dir, range });
    const seen = new Set<number>();
    for (let i = 0; i < 25; i++) {
      for (const [alloc, dataDir] of [
        [a, '/data/a'],
        [b, '/data/b'],
      ] as const) {
        const uid = alloc.allocate({ data_dir: dataDir, sandbox_id: `sb${i}` });
        assert.ok(!seen.has(uid), `uid ${uid} handed out twice`);
        seen.add(uid);
      }
    }
    assert.equal(seen.size, 50);
    // The range is exhausted: the next claim fails clearly instead of sharing.
    assert.throws(
      () => a.allocate({ data_dir: '/data/a', sandbox_id: 'one-more' }),
      /no free sandbox uid/,
    );
    assert.equal(a.claimsOf('/data/a').length, 25);
    assert.equal(b.claimsOf('/data/b').length, 25);
  });

  it('a pre-existing claim file (another daemon) is skipped', () => {
    const dir = claimDir();
    const range = { first: 1_700_000, last: 1_700_001 };
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, '1700000'),
      JSON.stringify({ data_dir: '/other', sandbox_id: 'x' }),
    );
    const alloc = new UidAllocator({ claimDir: dir, range });
    assert.equal(alloc.allocate({ data_dir: '/mine', sandbox_id: 'y' }), 1_700_001);
  });

  it('releases a uid only for its owner, then it can be claimed again', () => {
    const dir = claimDir();
    const range = { first: 1_800_000, last: 1_800_000 };
    const alloc = new UidAllocator({ claimDir: dir, range });
    const uid = alloc.allocate({ data_dir: '/data/a', sandbox_id: 'sb1' });
    assert.equal(alloc.release(uid, { data_dir: '/data/b', sandbox_id: 'sb1' }), false);
    assert.equal(alloc.release(uid, { data_dir: '/data/a', sandbox_id: 'sb2' }), false);
    assert.ok(fs.existsSync(path.join(dir, String(uid))));
    assert.equal(alloc.release(uid, { data_dir: '/data/a', sandbox_id: 'sb1' }), true);
    assert.ok(!fs.existsSync(path.join(dir, String(uid))));
    assert.equal(alloc.allocate({ data_dir: '/data/b', sandbox_id: 'sb9' }), uid);
  });
});

describe('the data group', () => {
  it('lies outside the sandbox uid range, and is refused when the host uses it', () => {
    assert.ok(DATA_GID < UID_RANGE.first || DATA_GID > UID_RANGE.last);
    const none = accounts(['']);
    assertDataGidFree(accounts(['root:x:0:', 'users:x:100:']), none);
    assert.throws(
      () => assertDataGidFree(accounts([`shared:x:${DATA_GID}:`]), none),
      (err: unknown) => err instanceof PaddockError && /data group/.test(err.message),
    );
    assert.throws(
      () => assertDataGidFree(none, accounts([`podman:${DATA_GID - 10}:65536`])),
      /subordinate range/,
    );
  });
});
