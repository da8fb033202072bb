// Filestores on the local backend, through the storage broker: files from outside (streamed,
// ranges, paging), mounts into real sandboxes (read-only by the kernel, read-write shared
// with the host at once), and the data token a sandbox reaches the broker with at
// http://paddock.internal: only the filestores it names, only the operations it names, and
// nothing once the sandbox stops.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import type { App, AuditEntry, ExecResult, Filestore, FilestoreFile } from '@paddock/shared';
import { call, suiteDaemon } from './harness.js';

interface Raw {
  status: number;
  headers: Headers;
  body: Buffer;
}

describe('filestores on the local backend', () => {
  const d = suiteDaemon();
  let inputs: Filestore;
  let outputs: Filestore;
  let other: Filestore;
  let spare: Filestore;

  const raw = async (
    method: string,
    p: string,
    body?: Buffer | string,
    headers: Record<string, string> = {},
    token = d.token,
  ): Promise<Raw> => {
    const res = await fetch(`${d.url}${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...headers },
      ...(body === undefined ? {} : { body }),
    });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  };
  const put = (id: string, p: string, body: string, token?: string) =>
    raw(
      'PUT',
      `/v1/filestores/${id}/files?path=${encodeURIComponent(p)}`,
      body,
      { 'content-type': 'application/octet-stream' },
      token,
    );
  const exec = async (sb: string, command: string): Promise<ExecResult> => {
    const res = await d.api<ExecResult>('POST', `/v1/sandboxes/${sb}/exec`, { command });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };

  before(async () => {
    for (const name of ['inputs', 'outputs', 'other', 'spare']) {
      const res = await d.api<Filestore>('POST', '/v1/filestores', { name });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.backend, 'local');
      if (name === 'inputs') inputs = res.body;
      else if (name === 'outputs') outputs = res.body;
      else if (name === 'other') other = res.body;
      else spare = res.body;
    }
  });

  it('refuses a second filestore of the same name, a bad name, and an unknown backend', async () => {
    const again = await d.api<{ error: { code: string } }>('POST', '/v1/filestores', {
      name: 'inputs',
    });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'already_exists');
    const bad = await d.api<{ error: { code: string } }>('POST', '/v1/filestores', {
      name: '../x',
    });
    assert.equal(bad.status, 400);
    const nowhere = await d.api<{ error: { code: string } }>('POST', '/v1/filestores', {
      name: 'x',
      backend: 'nowhere',
    });
    assert.equal(nowhere.status, 404);
  });

  it('writes, stats, reads (with a range), lists in pages, moves and deletes files', async () => {
    assert.equal((await put(inputs.id, 'a.txt', 'alpha\n')).status, 200);
    assert.equal((await put(inputs.id, 'dir/b.txt', 'bravo bravo\n')).status, 200);
    assert.equal((await put(inputs.id, 'dir/c.txt', 'charlie\n')).status, 200);
    const stat = await d.api<FilestoreFile>(
      'GET',
      `/v1/filestores/${inputs.id}/files/stat?path=dir/b.txt`,
    );
    assert.equal(stat.body.size, 12);
    const whole = await raw('GET', `/v1/filestores/inputs/files?path=a.txt`);
    assert.equal(whole.status, 200);
    assert.equal(whole.body.toString(), 'alpha\n');
    const part = await raw('GET', `/v1/filestores/${inputs.id}/files?path=dir/b.txt`, undefined, {
      range: 'bytes=6-10',
    });
    assert.equal(part.status, 206);
    assert.equal(part.body.toString(), 'bravo');
    assert.equal(part.headers.get('content-range'), 'bytes 6-10/12');

    const first = await d.api<{ items: FilestoreFile[]; next_cursor: string | null }>(
      'GET',
      `/v1/filestores/${inputs.id}/files/list?limit=2`,
    );
    assert.deepEqual(
      first.body.items.map((f) => f.path),
      ['a.txt', 'dir/b.txt'],
    );
    const second = await d.api<{ items: FilestoreFile[]; next_cursor: string | null }>(
      'GET',
      `/v1/filestores/${inputs.id}/files/list?limit=2&cursor=${encodeURIComponent(first.body.next_cursor!)}`,
    );
    assert.deepEqual(
      second.body.items.map((f) => f.path),
      ['dir/c.txt'],
    );
    const below = await d.api<{ items: FilestoreFile[] }>(
      'GET',
      `/v1/filestores/${inputs.id}/files/list?prefix=dir`,
    );
    assert.equal(below.body.items.length, 2);

    const moved = await d.api<FilestoreFile>('POST', `/v1/filestores/${inputs.id}/files/move`, {
      from: 'dir/c.txt',
      to: 'moved/c.txt',
    });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal(moved.body.path, 'moved/c.txt');
    const gone = await raw('DELETE', `/v1/filestores/${inputs.id}/files?path=moved/c.txt`);
    assert.equal(gone.status, 204);
    const missing = await d.api<{ error: { code: string } }>(
      'GET',
      `/v1/filestores/${inputs.id}/files/stat?path=moved/c.txt`,
    );
    assert.equal(missing.body.error.code, 'file_not_found');

    const store = await d.api<Filestore>('GET', `/v1/filestores/${inputs.id}`);
    assert.equal(store.body.files, 2);
    assert.equal(store.body.bytes, 'alpha\n'.length + 'bravo bravo\n'.length);
  });

  it('refuses paths that escape and ranges outside the file, with stable codes', async () => {
    for (const p of ['../x', '/etc/passwd', 'a/../../b', 'a//b', '']) {
      const res = await put(inputs.id, p, 'x');
      assert.equal(res.status, 400, p);
      assert.match(res.body.toString(), /invalid_path|bad_request/, p);
    }
    const far = await raw('GET', `/v1/filestores/${inputs.id}/files?path=a.txt`, undefined, {
      range: 'bytes=100-200',
    });
    assert.equal(far.status, 416);
  });

  describe('mounted into a sandbox', () => {
    let sb: string;
    let token: string;

    before(async () => {
      const res = await d.api<{ id: string }>('POST', '/v1/sandboxes', {
        filestores: [
          { filestore: 'inputs', path: '/data/inputs', mode: 'ro' },
          { filestore: outputs.id, path: '/data/outputs', mode: 'rw' },
          // Not mounted: reachable through the token alone.
          { filestore: 'spare' },
        ],
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      sb = res.body.id;
      token = (await exec(sb, 'cat /run/paddock/token')).stdout.trim();
    });

    it('shows them as ordinary directories: read-only refuses every write, read-write lands on the host at once', async () => {
      assert.equal((await exec(sb, 'cat /data/inputs/a.txt')).stdout, 'alpha\n');
      for (const write of [
        'echo x > /data/inputs/new.txt',
        'touch /data/inputs/a.txt',
        'rm /data/inputs/a.txt',
        'mkdir /data/inputs/d',
        "node -e \"require('fs').writeFileSync('/data/inputs/n','x')\"",
        "python3 -c \"open('/data/inputs/p','w')\"",
      ]) {
        const r = await exec(sb, write);
        assert.notEqual(r.exit_code, 0, write);
        assert.match(r.stderr, /read-only|EROFS/i, write);
      }
      const w = await exec(
        sb,
        'mkdir -p /data/outputs/run && echo result > /data/outputs/run/r.txt',
      );
      assert.equal(w.exit_code, 0, w.stderr);
      const read = await raw('GET', `/v1/filestores/${outputs.id}/files?path=run/r.txt`);
      assert.equal(read.body.toString(), 'result\n');
      const mounts = await d.api<{ items: { name: string; kind: string; mode: string }[] }>(
        'GET',
        `/v1/sandboxes/${sb}/filestores`,
      );
      assert.deepEqual(
        mounts.body.items.map((m) => [m.name, m.kind, m.mode]),
        [
          ['inputs', 'bind', 'ro'],
          ['outputs', 'bind', 'rw'],
          ['spare', 'token', 'ro'],
        ],
      );
    });

    it("names the sandbox's filestores and their operations in its token", () => {
      const claims = decodeJwt(token) as { data?: { filesystem_id: string; ops: string[] }[] };
      assert.deepEqual(
        claims.data?.sort((a, b) => a.filesystem_id.localeCompare(b.filesystem_id)),
        [
          { filesystem_id: inputs.id, ops: ['read'] },
          { filesystem_id: outputs.id, ops: ['read', 'write'] },
          { filesystem_id: spare.id, ops: ['read'] },
        ].sort((a, b) => a.filesystem_id.localeCompare(b.filesystem_id)),
      );
    });

    it('reaches the broker at paddock.internal with its token: what it names, for what it names', async () => {
      const inside = async (method: string, p: string, data?: string): Promise<string> => {
        const body =
          data === undefined
            ? ''
            : `--data-binary '${data}' -H 'content-type: application/octet-stream'`;
        const r = await exec(
          sb,
          `curl -s -o /tmp/out -w '%{http_code}' -X ${method} ${body} ` +
            `-H "authorization: Bearer $(cat /run/paddock/token)" 'http://paddock.internal${p}'; echo; cat /tmp/out`,
        );
        return r.stdout;
      };
      const listed = await inside('GET', `/v1/filestores/${inputs.id}/files/list`);
      assert.match(listed, /^200\n/);
      assert.match(listed, /a\.txt/);
      assert.match(
        await inside('GET', `/v1/filestores/${inputs.id}/files?path=a.txt`),
        /^200\nalpha/,
      );
      // Read-only in the token: no write, no delete.
      assert.match(
        await inside('PUT', `/v1/filestores/${inputs.id}/files?path=z.txt`, 'z'),
        /^403/,
      );
      assert.match(await inside('DELETE', `/v1/filestores/${inputs.id}/files?path=a.txt`), /^403/);
      // Read-write: a write through the broker is a file in the mount.
      assert.match(
        await inside('PUT', `/v1/filestores/${outputs.id}/files?path=via-broker.txt`, 'hi'),
        /^200/,
      );
      assert.equal((await exec(sb, 'cat /data/outputs/via-broker.txt')).stdout, 'hi');
      // One the token names without a mount: read through the broker, and nothing at /data.
      assert.match(await inside('GET', `/v1/filestores/${spare.id}/files/list`), /^200/);
      assert.match(await inside('PUT', `/v1/filestores/${spare.id}/files?path=s`, 's'), /^403/);
      assert.equal((await exec(sb, 'ls /data')).stdout, 'inputs\noutputs\n');
      // A filestore of the same owner that the token does not name: refused.
      assert.match(await inside('GET', `/v1/filestores/${other.id}/files/list`), /^403/);
      // The token is for files only: not the owner's list of filestores, not their management.
      assert.match(await inside('GET', '/v1/filestores'), /^403/);
      assert.match(await inside('DELETE', `/v1/filestores/${inputs.id}`), /^403/);
    });

    it('records every broker operation in the audit, with the boot, the filestore and the decision', async () => {
      const res = await d.api<{ items: AuditEntry[] }>(
        'GET',
        '/v1/audit?action=filestore.*&limit=200',
      );
      const mine = res.body.items.filter((e) => e.actor.key_id === `sandbox:${sb}`);
      const denied = mine.find((e) => e.outcome === 'denied' && e.target?.id === other.id);
      assert.ok(denied, 'the refused read of another filestore');
      const details = denied.details as { boot?: string; decision?: string; op?: string };
      assert.equal(details.decision, 'deny');
      assert.equal(details.op, 'list');
      assert.equal(details.boot, decodeJwt(token).boot);
      assert.ok(mine.some((e) => e.action === 'filestore.write' && e.outcome === 'ok'));
      const metrics = await raw('GET', '/metrics');
      const text = metrics.body.toString();
      assert.match(
        text,
        /paddock_filestore_requests_total\{op="write",backend="local",outcome="ok"\} [1-9]/,
      );
      assert.match(
        text,
        /paddock_filestore_requests_total\{op="list",backend="local",outcome="denied"\} [1-9]/,
      );
      assert.match(text, /paddock_filestore_auth_errors_total\{caller="sandbox"\} [1-9]/);
      assert.match(
        text,
        /paddock_filestore_upstream_duration_seconds_count\{op="read",backend="local"\} [1-9]/,
      );
      assert.match(text, /paddock_filestore_bytes_total\{direction="in",backend="local"\} [1-9]/);
    });

    it('refuses the token at once when the sandbox stops, and refuses to delete a filestore it has', async () => {
      const before = await call(d.url, token, 'GET', `/v1/filestores/${inputs.id}/files/list`);
      assert.equal(before.status, 200);
      const held = await d.api<{ error: { code: string } }>(
        'DELETE',
        `/v1/filestores/${inputs.id}`,
      );
      assert.equal(held.status, 409);
      assert.equal((await d.api('POST', `/v1/sandboxes/${sb}/stop`, {})).status, 200);
      const after = await call(d.url, token, 'GET', `/v1/filestores/${inputs.id}/files/list`);
      assert.equal(after.status, 401);
      // Started again, it has the same mounts (and a new token).
      assert.equal((await d.api('POST', `/v1/sandboxes/${sb}/start`, {})).status, 200);
      assert.equal((await exec(sb, 'cat /data/outputs/run/r.txt')).stdout, 'result\n');
      assert.equal((await d.api('DELETE', `/v1/sandboxes/${sb}`)).status, 204);
      assert.equal((await d.api('DELETE', `/v1/filestores/${inputs.id}`)).status, 204);
      assert.equal((await d.api('GET', `/v1/filestores/${inputs.id}`)).status, 404);
    });
  });

  it('refuses mounts of an unknown filestore, twice the same one, and overlapping or bad paths', async () => {
    for (const filestores of [
      [{ filestore: 'nope', path: '/data/x' }],
      [
        { filestore: outputs.id, path: '/data/x' },
        { filestore: 'outputs', path: '/data/y' },
      ],
      [
        { filestore: outputs.id, path: '/data/x' },
        { filestore: other.id, path: '/data/x/y' },
      ],
      [{ filestore: outputs.id, path: '/etc/x' }],
      [{ filestore: outputs.id, path: '/data/../etc' }],
    ]) {
      const res = await d.api<{ error: { code: string } }>('POST', '/v1/sandboxes', {
        filestores,
      });
      assert.ok(res.status === 400 || res.status === 404, JSON.stringify(res.body));
    }
  });

  it("gives an app's sandbox the filestores its sandbox.yaml names, restarting it with them", async () => {
    const app = await d.api<App>('POST', '/v1/apps', { name: 'with-data', preset: 'static' });
    assert.equal(app.status, 201, JSON.stringify(app.body));
    const sb = app.body.sandbox!.id;
    const manifest = await raw('GET', `/v1/sandboxes/${sb}/files?path=sandbox.yaml`);
    assert.equal(manifest.status, 200);
    const text = `${manifest.body.toString().trimEnd()}\nfilestores:\n  - {name: app-uploads, path: /data/uploads, mode: rw}\n`;
    const wrote = await raw('PUT', `/v1/sandboxes/${sb}/files?path=sandbox.yaml`, text, {
      'content-type': 'application/octet-stream',
    });
    assert.equal(wrote.status, 200);
    let names: string[] = [];
    for (let i = 0; i < 150 && names.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const mounts = await d.api<{ items: { name: string }[] }>(
        'GET',
        `/v1/sandboxes/${sb}/filestores`,
      );
      names = mounts.body.items.map((m) => m.name);
    }
    assert.deepEqual(names, ['app-uploads']);
    let listed: ExecResult | undefined;
    for (let i = 0; i < 150; i++) {
      const res = await d.api<ExecResult>('POST', `/v1/sandboxes/${sb}/exec`, {
        command: 'echo up > /data/uploads/u.txt && cat /data/uploads/u.txt',
      });
      if (res.status === 200 && res.body.exit_code === 0) {
        listed = res.body;
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(listed?.stdout, 'up\n');
    const store = await d.api<Filestore>('GET', '/v1/filestores/app-uploads');
    assert.equal(store.status, 200, 'made on first use');
    const read = await raw('GET', `/v1/filestores/app-uploads/files?path=u.txt`);
    assert.equal(read.body.toString(), 'up\n');
    assert.equal((await d.api('DELETE', `/v1/apps/${app.body.id}?purge=true`)).status < 300, true);
  });

  it("refuses a write past the owner's filestore quota, keeping nothing, and a read-write mount when full", async () => {
    const patch = await d.api('PATCH', '/v1/owners/carol/quotas', { filestore_mb: 1 });
    assert.equal(patch.status, 200, JSON.stringify(patch.body));
    const key = await d.api<{ token: string }>('POST', '/v1/api-keys', {
      name: 'carol',
      owner: 'carol',
    });
    const carol = key.body.token;
    const made = await call<Filestore>(d.url, carol, 'POST', '/v1/filestores', { name: 'c' });
    assert.equal(made.status, 201);
    const kb = (n: number) => 'x'.repeat(n * 1024);
    assert.equal((await put('c', 'one.bin', kb(700), carol)).status, 200);
    const over = await put('c', 'two.bin', kb(700), carol);
    assert.equal(over.status, 413);
    assert.match(over.body.toString(), /quota_exceeded/);
    const kept = await call(d.url, carol, 'GET', `/v1/filestores/c/files/stat?path=two.bin`);
    assert.equal(kept.status, 404, 'nothing of the refused write is kept');
    // Replacing a file counts only the difference.
    assert.equal((await put('c', 'one.bin', kb(900), carol)).status, 200);
    const view = await d.api<{ quotas: { filestore_mb: { used: number; limit: number } } }>(
      'GET',
      '/v1/owners/carol/quotas',
    );
    assert.equal(view.body.quotas.filestore_mb.limit, 1);
    assert.ok(Math.abs(view.body.quotas.filestore_mb.used - 900 / 1024) < 0.001);
    assert.equal((await put('c', 'three.bin', kb(200), carol)).status, 413);
    assert.equal(
      (await put('c', 'three.bin', kb(124), carol)).status,
      200,
      'up to the limit exactly',
    );
    const full = await call<{ error: { code: string } }>(d.url, carol, 'POST', '/v1/sandboxes', {
      filestores: [{ filestore: 'c', path: '/data/c', mode: 'rw' }],
    });
    assert.equal(full.status, 413);
    assert.equal(full.body.error.code, 'quota_exceeded');
  });

  it("hides an owner's filestores from another owner, and lets it mount none of them", async () => {
    const key = await d.api<{ token: string }>('POST', '/v1/api-keys', {
      name: 'bob',
      owner: 'bob',
    });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    const bob = key.body.token;
    const list = await call<{ items: Filestore[] }>(d.url, bob, 'GET', '/v1/filestores');
    assert.deepEqual(list.body.items, []);
    for (const p of [
      `/v1/filestores/${outputs.id}`,
      `/v1/filestores/outputs`,
      `/v1/filestores/${outputs.id}/files/list`,
    ]) {
      assert.equal((await call(d.url, bob, 'GET', p)).status, 404, p);
    }
    const mount = await call<{ error: { code: string } }>(d.url, bob, 'POST', '/v1/sandboxes', {
      filestores: [{ filestore: outputs.id, path: '/data/x', mode: 'rw' }],
    });
    assert.equal(mount.status, 404);
    // Bob's own filestore of the same name is another store.
    const own = await call<Filestore>(d.url, bob, 'POST', '/v1/filestores', { name: 'outputs' });
    assert.equal(own.status, 201);
    assert.notEqual(own.body.id, outputs.id);
  });
});
