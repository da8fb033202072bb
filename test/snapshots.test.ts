import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import tar from 'tar-stream';
import { PaddockError } from '@paddock/shared';
import { readPackIndex } from '@paddock/snapshots';
import { SnapshotStore } from '../packages/daemon/src/snapshots/snapshotStore.js';
import { openDatabase } from '../packages/daemon/src/store/database.js';
import {
  destroyEverything,
  startDaemon,
  tempDataDir,
  type TestDaemon,
  shellOk,
} from './harness.js';
import { openPreview, waitFor } from './previewClient.js';

interface Err {
  error: { code: string; message: string; details?: { snapshot_id?: string } };
}
interface Snapshot {
  id: string;
  name: string;
  status: string;
  error: string | null;
  app_id: string | null;
  files: number;
  size_bytes: number;
  new_bytes: number;
  consistent: boolean;
  skipped: string[];
  duration_ms: number | null;
  frozen_ms: number | null;
}
interface App {
  id: string;
  name: string;
  preset: string;
  sandbox: { id: string; status: string; preview: { url: string | null; status: string } } | null;
}

/** Every path of the workspace (excluded dirs left out): type, mode, link target or sha256. */
const DIGEST = `cd /workspace && find . -mindepth 1 \\( -name node_modules -o -name .cache \\) -prune -o -printf '%y %m %p %l\\n' | sort && find . \\( -name node_modules -o -name .cache \\) -prune -o -type f -print0 | xargs -0 sha256sum | sort -k2`;

describe('snapshots: capture, restore, fork, export and import', () => {
  const dataDir = tempDataDir();
  let d: TestDaemon;
  let app: App;
  let sb: string;

  const sh = (sandbox: string, command: string) => shellOk(d, sandbox, command);
  const snapshot = (sandbox: string, name: string) =>
    d.api<Snapshot & Err>('POST', `/v1/sandboxes/${sandbox}/snapshots`, { name });
  const readyApp = (id: string) =>
    waitFor(`app ${id} preview ready`, async () => {
      const a = (await d.api<App>('GET', `/v1/apps/${id}`)).body;
      return a.sandbox?.preview.status === 'ready' ? a : undefined;
    });
  /** Distinct objects in the store's files: large ones on their own, small ones in packs. */
  const objectsOnDisk = (): number => {
    const store = path.join(dataDir, 'snapshots');
    const loose = path.join(store, 'objects');
    const shas = new Set<string>();
    for (const p of fs.readdirSync(loose)) {
      for (const rest of fs.readdirSync(path.join(loose, p))) shas.add(p + rest);
    }
    for (const name of fs.readdirSync(path.join(store, 'packs'))) {
      for (const e of readPackIndex(path.join(store, 'packs', name)) ?? []) shas.add(e.sha256);
    }
    return shas.size;
  };

  before(async () => {
    d = await startDaemon({ dataDir, env: { PADDOCK_SNAPSHOT_MAX_MB: '8' } });
    const res = await d.api<App>('POST', '/v1/apps', { name: 'site', preset: 'static' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    app = await readyApp(res.body.id);
    sb = app.sandbox!.id;
    // A tree with what snapshots must get right: nesting, modes, binary bytes, an empty dir,
    // symlinks inside and pointing outside, and regenerable dirs to leave out.
    await sh(
      sb,
      [
        'cd /workspace',
        'mkdir -p src/deep/er empty node_modules/pkg .cache',
        'head -c 200000 /dev/urandom > src/deep/er/blob.bin',
        'printf "#!/bin/sh\\necho hi\\n" > run.sh && chmod 750 run.sh',
        'chmod 700 empty',
        'ln -s /etc/passwd outside && ln -s src/deep inside',
        'echo junk > node_modules/pkg/index.js && echo junk > .cache/x',
        'echo "<h1>version one</h1>" > public/index.html',
      ].join(' && '),
    );
  });

  after(async () => {
    await d?.stop();
    await destroyEverything(dataDir);
  });

  it('captures a running app consistently and lists it in the app history', async () => {
    const res = await snapshot(sb, 'first');
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.status, 'ready');
    assert.equal(res.body.consistent, true, 'the sandbox was frozen during the capture');
    // It says for how long its processes were held, within the whole capture's time.
    const { duration_ms: took, frozen_ms: frozen } = res.body;
    assert.ok(Number.isInteger(took) && Number.isInteger(frozen), JSON.stringify(res.body));
    assert.ok(frozen! <= took!, JSON.stringify(res.body));
    assert.equal(res.body.app_id, app.id);
    assert.ok(res.body.files >= 6 && res.body.new_bytes >= 200_000, JSON.stringify(res.body));
    // Thawed afterwards: the sandbox answers and its web process still serves.
    assert.equal((await sh(sb, 'echo alive')).trim(), 'alive');
    const page = await openPreview(d.url, (await readyApp(app.id)).sandbox!.preview.url!);
    assert.match(page.page.body, /version one/);

    const again = await snapshot(sb, 'unchanged');
    assert.equal(again.status, 201);
    assert.equal(again.body.new_bytes, 0, 'an unchanged workspace stores nothing new');
    const list = await d.api<{ items: Snapshot[] }>('GET', `/v1/apps/${app.id}/snapshots`);
    assert.deepEqual(
      list.body.items.map((s) => s.name),
      ['unchanged', 'first'],
    );
    const one = await d.api<Snapshot>('GET', `/v1/snapshots/${res.body.id}`);
    assert.equal(one.body.name, 'first');
  });

  it('restores the workspace byte for byte, owned by the sandbox user, and only when confirmed', async () => {
    const before = await sh(sb, DIGEST);
    const snap = (await snapshot(sb, 'before changes')).body;
    await sh(
      sb,
      [
        'cd /workspace',
        'echo changed > public/index.html',
        'rm -rf src/deep/er',
        'echo new > added.txt',
        'chmod 644 run.sh',
        'rm -rf empty && ln -s /tmp empty',
        'rm inside && mkdir inside',
      ].join(' && '),
    );
    assert.notEqual(await sh(sb, DIGEST), before);

    const unconfirmed = await d.api<Err>('POST', `/v1/apps/${app.id}/restore`, {
      snapshot_id: snap.id,
      confirm: false,
    });
    assert.equal(unconfirmed.status, 400);
    assert.equal(unconfirmed.body.error.code, 'confirmation_required');
    assert.match(
      await sh(sb, 'cat /workspace/public/index.html'),
      /changed/,
      'nothing was touched',
    );

    const restored = await d.api<{ files: number }>('POST', `/v1/apps/${app.id}/restore`, {
      snapshot_id: snap.id,
      confirm: true,
    });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.equal(await sh(sb, DIGEST), before);
    assert.equal((await sh(sb, 'readlink /workspace/outside')).trim(), '/etc/passwd');
    const owners = await sh(
      sb,
      'cd /workspace && stat -c %u src/deep/er/blob.bin run.sh empty && id -u',
    );
    const [a, b, c, me] = owners.trim().split('\n');
    assert.deepEqual([a, b, c], [me, me, me]);
    assert.equal(
      (await sh(sb, 'cat /workspace/node_modules/pkg/index.js')).trim(),
      'junk',
      'regenerable dirs are left as they are',
    );
    const page = await openPreview(d.url, (await readyApp(app.id)).sandbox!.preview.url!);
    assert.match(
      page.page.body,
      /version one/,
      'the restarted web process serves the restored files',
    );
  });

  it('forks an app whose preview shows the snapshot, leaving the source alone', async () => {
    await sh(sb, 'echo "<h1>forked state</h1>" > /workspace/public/index.html');
    const snap = (await snapshot(sb, 'to fork')).body;
    await sh(sb, 'echo "<h1>source moved on</h1>" > /workspace/public/index.html');
    const fork = await d.api<App & Err>('POST', `/v1/apps/${app.id}/fork`, {
      snapshot_id: snap.id,
      name: 'site copy',
    });
    assert.equal(fork.status, 201, JSON.stringify(fork.body));
    assert.equal(fork.body.preset, 'static');
    assert.notEqual(fork.body.sandbox!.id, sb);
    const forked = await readyApp(fork.body.id);
    const page = await openPreview(d.url, forked.sandbox!.preview.url!);
    assert.match(page.page.body, /forked state/);
    const owner = await sh(forked.sandbox!.id, 'stat -c %u /workspace/public/index.html && id -u');
    const [fileUid, uid] = owner.trim().split('\n');
    assert.equal(fileUid, uid, 'forked files belong to the new sandbox user');
    assert.match(await sh(sb, 'cat /workspace/public/index.html'), /source moved on/);
  });

  it('exports a tar that imports back into the same tree, and starts a sandbox from it', async () => {
    const snap = (await snapshot(sb, 'to export')).body;
    const expected = await sh(sb, DIGEST);
    const exported = await fetch(`${d.url}/v1/snapshots/${snap.id}/export`, {
      headers: { authorization: `Bearer ${d.token}` },
    });
    assert.equal(exported.status, 200);
    assert.equal(exported.headers.get('content-type'), 'application/x-tar');
    const archive = Buffer.from(await exported.arrayBuffer());
    const imported = await importTar(archive);
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    assert.equal(imported.body.status, 'ready');
    assert.equal(imported.body.files, snap.files);
    // The 200 kB blob and every other file were stored already: only the manifest is new.
    assert.ok(imported.body.new_bytes < 10_000, `new bytes: ${imported.body.new_bytes}`);

    const fresh = await d.api<{ id: string } & Err>('POST', '/v1/sandboxes', {
      from_snapshot: imported.body.id,
    });
    assert.equal(fresh.status, 201, JSON.stringify(fresh.body));
    // node_modules and .cache were never in the snapshot: compare the rest.
    assert.equal(
      await sh(fresh.body.id, DIGEST),
      expected.replace(/^.*(node_modules|\.cache).*\n/gm, ''),
    );
    assert.equal((await sh(fresh.body.id, 'readlink /workspace/outside')).trim(), '/etc/passwd');
    assert.ok(Number.isInteger(imported.body.duration_ms));
    assert.equal(imported.body.frozen_ms, null, 'an import freezes nothing');
    // A stopped sandbox is captured from its image: consistent, and nothing was frozen.
    assert.equal((await d.api('POST', `/v1/sandboxes/${fresh.body.id}/stop`, {})).status, 200);
    const offline = await snapshot(fresh.body.id, 'stopped');
    assert.equal(offline.status, 201, JSON.stringify(offline.body));
    assert.equal(offline.body.consistent, true);
    assert.equal(offline.body.frozen_ms, null);
    assert.equal(offline.body.files, snap.files);
  });

  it('survives a client that hangs up during an export', async () => {
    const sandbox = (await d.api<{ id: string }>('POST', '/v1/sandboxes', {})).body.id;
    // Larger than the socket buffers hold, so the daemon is still writing when the client goes.
    await sh(sandbox, 'head -c 6000000 /dev/urandom > /workspace/large.bin');
    const snap = (await snapshot(sandbox, 'large')).body;
    await new Promise<void>((resolve, reject) => {
      const req = http.get(
        `${d.url}/v1/snapshots/${snap.id}/export`,
        { headers: { authorization: `Bearer ${d.token}` } },
        (res) => {
          assert.equal(res.statusCode, 200);
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        },
      );
      req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(d.proc.exitCode, null, 'the daemon is still running');
    assert.equal((await fetch(`${d.url}/readyz`)).status, 200);
    const again = await fetch(`${d.url}/v1/snapshots/${snap.id}/export`, {
      headers: { authorization: `Bearer ${d.token}` },
    });
    assert.ok((await again.arrayBuffer()).byteLength > 6_000_000);
    assert.equal((await d.api('DELETE', `/v1/sandboxes/${sandbox}`)).status, 204);
  });

  it('refuses unsafe archives and non-archive bodies', async () => {
    const cases: [string, TarHeader[]][] = [
      ['dot-dot', [{ name: '../../escape', type: 'file' }]],
      ['absolute', [{ name: '/etc/cron.d/x', type: 'file' }]],
      ['device', [{ name: 'dev-null', type: 'character-device', devmajor: 1, devminor: 3 }]],
      [
        'hard link',
        [
          { name: 'a', type: 'file' },
          { name: 'b', type: 'link', linkname: '/etc/shadow' },
        ],
      ],
    ];
    for (const [label, headers] of cases) {
      const res = await importTar(await tarOf(headers));
      assert.equal(res.status, 400, `${label}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'invalid_archive', label);
    }
    const json = await d.api<Err>('POST', '/v1/snapshots/import?name=x', { not: 'a tar' });
    assert.equal(json.status, 415);
  });

  it('reports a failed capture as failed, never ready', async () => {
    const sandbox = (await d.api<{ id: string }>('POST', '/v1/sandboxes', {})).body.id;
    await sh(sandbox, 'head -c 9000000 /dev/urandom > /workspace/too-big.bin');
    const res = await snapshot(sandbox, 'too big');
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'snapshot_failed');
    const id = res.body.error.details!.snapshot_id!;
    const row = await d.api<Snapshot>('GET', `/v1/snapshots/${id}`);
    assert.equal(row.body.status, 'failed');
    assert.match(row.body.error ?? '', /more than 8388608 bytes/);
    const use = await d.api<Err>('POST', '/v1/sandboxes', { from_snapshot: id });
    assert.equal(use.status, 409);
    assert.equal(use.body.error.code, 'snapshot_not_ready');
  });

  it("keeps snapshots owner-scoped: another owner's are 404 everywhere", async () => {
    const mine = (await snapshot(sb, 'private')).body;
    const key = await d.api<{ token: string }>('POST', '/v1/api-keys', {
      name: 'eve',
      owner: 'eve',
    });
    const eve = key.body.token;
    for (const [method, p, body] of [
      ['GET', `/v1/snapshots/${mine.id}`, undefined],
      ['GET', `/v1/snapshots/${mine.id}/export`, undefined],
      ['DELETE', `/v1/snapshots/${mine.id}`, undefined],
      ['GET', `/v1/apps/${app.id}/snapshots`, undefined],
      ['POST', `/v1/sandboxes/${sb}/snapshots`, { name: 'steal' }],
      ['POST', '/v1/sandboxes', { from_snapshot: mine.id }],
    ] as const) {
      const res = await d.api<Err>(method, p, body, eve);
      assert.equal(res.status, 404, `${method} ${p}`);
    }
    assert.equal((await d.api('GET', `/v1/snapshots/${mine.id}`)).status, 200);
  });

  it('deleting snapshots removes only content no other snapshot shares', async () => {
    const sandbox = (await d.api<{ id: string }>('POST', '/v1/sandboxes', {})).body.id;
    await sh(sandbox, 'head -c 100000 /dev/urandom > /workspace/shared.bin');
    const a = (await snapshot(sandbox, 'a')).body;
    await sh(sandbox, 'head -c 100000 /dev/urandom > /workspace/only-b.bin');
    const b = (await snapshot(sandbox, 'b')).body;
    const withBoth = objectsOnDisk();
    assert.equal((await d.api('DELETE', `/v1/snapshots/${b.id}`)).status, 204);
    // only-b.bin and b's manifest are gone; shared.bin stays for a.
    assert.equal(objectsOnDisk(), withBoth - 2);
    assert.equal((await d.api('GET', `/v1/snapshots/${b.id}`)).status, 404);
    const restored = await d.api('POST', '/v1/sandboxes', { from_snapshot: a.id });
    assert.equal(restored.status, 201);
    assert.equal((await d.api('DELETE', `/v1/snapshots/${a.id}`)).status, 204);
    assert.equal(objectsOnDisk(), withBoth - 4);
  });

  it("refuses captures and imports past the owner's snapshot storage, keeping nothing", async () => {
    const key = await d.api<{ token: string }>('POST', '/v1/api-keys', {
      name: 'quinn',
      owner: 'quinn',
    });
    const quinn = key.body.token;
    const sandbox = (await d.api<{ id: string }>('POST', '/v1/sandboxes', {}, quinn)).body.id;
    const run = async (command: string) => {
      const res = await d.api<{ exit_code: number }>(
        'POST',
        `/v1/sandboxes/${sandbox}/exec`,
        { command },
        quinn,
      );
      assert.equal(res.body.exit_code, 0, command);
    };
    const capture = (name: string) =>
      d.api<Snapshot & Err>('POST', `/v1/sandboxes/${sandbox}/snapshots`, { name }, quinn);
    const quinnsRows = () => {
      const db = new SQLite(path.join(dataDir, 'state', 'paddock.db'), { readonly: true });
      try {
        const rows = db
          .prepare("select name from snapshots where owner_id = 'quinn' order by id")
          .all() as { name: string }[];
        return rows.map((r) => r.name);
      } finally {
        db.close();
      }
    };
    const setLimit = async (mb: number) =>
      assert.equal((await d.api('PATCH', '/v1/settings', { snapshot_storage_mb: mb })).status, 200);
    await setLimit(1);
    try {
      await run('head -c 600000 /dev/urandom > /workspace/one.bin');
      // The admin's snapshots here already describe more than 1 MiB: only quinn's own count.
      const first = await capture('first');
      assert.equal(first.status, 201, JSON.stringify(first.body));
      // 1.2 MB would be described in all: refused once captured, and nothing of it kept.
      const stored = objectsOnDisk();
      await run('head -c 600000 /dev/urandom > /workspace/two.bin');
      const refused = await capture('second');
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'snapshot_quota_exceeded');
      assert.match(
        refused.body.error.message,
        /this snapshot \(1\.1 MiB\) would take your snapshots past 1\.0 MiB/,
      );
      await waitFor('the refused content collected', async () =>
        objectsOnDisk() === stored ? true : undefined,
      );
      assert.deepEqual(quinnsRows(), ['first'], 'no row kept for the refused capture');
      // An import past it is refused the same way.
      const archive = await fetch(`${d.url}/v1/snapshots/${first.body.id}/export`, {
        headers: { authorization: `Bearer ${quinn}` },
      });
      const imported = await fetch(`${d.url}/v1/snapshots/import?name=again`, {
        method: 'POST',
        headers: { authorization: `Bearer ${quinn}`, 'content-type': 'application/x-tar' },
        body: Buffer.from(await archive.arrayBuffer()),
      });
      assert.equal(imported.status, 409);
      assert.equal(((await imported.json()) as Err).error.code, 'snapshot_quota_exceeded');
      // Room again once the first is deleted.
      const deleted = await d.api('DELETE', `/v1/snapshots/${first.body.id}`, undefined, quinn);
      assert.equal(deleted.status, 204);
      await run('rm /workspace/two.bin');
      assert.equal((await capture('third')).status, 201);
      // Over the limit once it is lowered: refused before anything is read.
      await setLimit(2);
      await run('head -c 600000 /dev/urandom > /workspace/two.bin');
      assert.equal((await capture('fourth')).status, 201);
      await setLimit(1);
      const full = await capture('fifth');
      assert.equal(full.status, 409);
      assert.match(full.body.error.message, /already describe 1\.7 MiB, the most is 1\.0 MiB/);
    } finally {
      await setLimit(10240);
    }
  });

  it('puts ready snapshots on disk, and fails those whose content a crash lost', async () => {
    const sandbox = (await d.api<{ id: string }>('POST', '/v1/sandboxes', {})).body.id;
    const other = (await d.api<{ id: string }>('POST', '/v1/sandboxes', {})).body.id;
    const text = () => crypto.randomUUID();
    const [kept, lost, shared, spoiled] = [text(), text(), text(), text()];
    const shaOf = (t: string) => crypto.createHash('sha256').update(t).digest('hex');
    await sh(sandbox, `printf '%s' '${kept}' > /workspace/kept.txt`);
    const a = (await snapshot(sandbox, 'kept')).body;
    await sh(sandbox, `printf '%s' '${lost}' > /workspace/lost.txt`);
    const b = (await snapshot(sandbox, 'lost')).body;
    // c's pack holds both files; d stores nothing new but its manifest and reuses shared.txt.
    await sh(other, `printf '%s' '${shared}' > /workspace/shared.txt`);
    await sh(other, `printf '%s' '${spoiled}' > /workspace/spoiled.txt`);
    const c = (await snapshot(other, 'both')).body;
    await sh(other, 'rm /workspace/spoiled.txt');
    const reuser = (await snapshot(other, 'reuses')).body;
    const ids = [a.id, b.id, c.id, reuser.id];
    for (const s of [a, b, c, reuser]) assert.equal(s.status, 'ready');
    // Synced in the background: every row says so.
    await d.stop();
    const db = await openDatabase(path.join(dataDir, 'state'));
    try {
      const rows = await db
        .selectFrom('snapshots')
        .select('durable')
        .where('id', 'in', ids)
        .execute();
      assert.deepEqual(
        rows.map((r) => r.durable),
        [1, 1, 1, 1],
      );
      // As after a power cut before the sync: none marked, and two files never reached the disk.
      await db.updateTable('snapshots').set({ durable: 0 }).where('id', 'in', ids).execute();
    } finally {
      await db.destroy();
    }
    const packs = path.join(dataDir, 'snapshots', 'packs');
    let damaged = 0;
    for (const name of fs.readdirSync(packs)) {
      for (const sha of [shaOf(lost), shaOf(spoiled)]) {
        const entry = readPackIndex(path.join(packs, name))?.find((e) => e.sha256 === sha);
        if (!entry) continue;
        const bytes = fs.readFileSync(path.join(packs, name));
        bytes.fill(0, entry.offset, entry.offset + entry.size);
        fs.writeFileSync(path.join(packs, name), bytes);
        damaged++;
      }
    }
    assert.equal(damaged, 2);
    d = await startDaemon({ dataDir, env: { PADDOCK_SNAPSHOT_MAX_MB: '8' } });
    const status = async (id: string) => (await d.api<Snapshot>('GET', `/v1/snapshots/${id}`)).body;
    assert.equal((await status(a.id)).status, 'ready');
    const [afterB, afterC, afterReuser] = [
      await status(b.id),
      await status(c.id),
      await status(reuser.id),
    ];
    assert.equal(afterB.status, 'failed');
    assert.match(afterB.error ?? '', /did not survive a crash .*damaged/);
    assert.equal(afterC.status, 'failed');
    // Its own bytes were sound, but they lay in a pack set aside for a damaged neighbour.
    assert.equal(afterReuser.status, 'failed');
    assert.match(afterReuser.error ?? '', new RegExp(`${shaOf(shared)} was in a file set aside`));
    const events = await d.api<{ items: { type: string; payload: { snapshot_id?: string } }[] }>(
      'GET',
      `/v1/sandboxes/${sandbox}/events`,
    );
    assert.ok(
      events.body.items.some((e) => e.type === 'snapshot.failed' && e.payload.snapshot_id === b.id),
      'the loss is in the sandbox events',
    );
    // The sound one restores, its bytes intact; the failed one cannot be used.
    const restored = await d.api<{ id: string }>('POST', '/v1/sandboxes', { from_snapshot: a.id });
    assert.equal(restored.status, 201, JSON.stringify(restored.body));
    assert.equal(await sh(restored.body.id, 'cat /workspace/kept.txt'), kept);
    const fromB = await d.api<Err>('POST', '/v1/sandboxes', { from_snapshot: b.id });
    assert.equal(fromB.status, 409);
    assert.equal(fromB.body.error.code, 'snapshot_not_ready');
    // The damaged bytes are never reused: capturing the same files again restores them whole.
    for (const [box, file, content] of [
      [sandbox, 'lost.txt', lost],
      [other, 'shared.txt', shared],
    ] as const) {
      const again = (await snapshot(box, 'again')).body;
      assert.equal(again.status, 'ready', JSON.stringify(again));
      const copy = await d.api<{ id: string }>('POST', '/v1/sandboxes', {
        from_snapshot: again.id,
      });
      assert.equal(copy.status, 201, JSON.stringify(copy.body));
      assert.equal(await sh(copy.body.id, `cat /workspace/${file}`), content);
    }
  });

  async function importTar(data: Buffer) {
    const res = await fetch(`${d.url}/v1/snapshots/import?name=imported`, {
      method: 'POST',
      headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/x-tar' },
      body: data,
    });
    return { status: res.status, body: (await res.json()) as Snapshot & Err };
  }
});

type TarHeader = Partial<tar.Header> & { name: string };

async function tarOf(headers: TarHeader[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const h of headers) pack.entry(h, h.type === 'file' ? 'x' : '');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

describe('snapshot rows', () => {
  it('does not report a row deleted during its capture as updated', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-rows-'));
    const db = await openDatabase(dir);
    try {
      const rows = new SnapshotStore(db);
      const row = await rows.insert({
        owner: 'owner-a',
        name: 'n',
        source: 'import',
        appId: null,
        sandboxId: null,
      });
      const ready = await rows.update(row, { status: 'ready', files: 3 });
      assert.equal(ready.status, 'ready');
      assert.deepEqual(await rows.get('owner-a', row.id), ready);
      await rows.remove(row.id);
      await assert.rejects(rows.update(row, { status: 'ready' }), (err: unknown) => {
        assert.ok(err instanceof PaddockError && err.code === 'not_found');
        return true;
      });
    } finally {
      await db.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
