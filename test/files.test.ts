import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { destroyEverything, startDaemon, type TestDaemon } from './harness.js';

interface Err {
  error: { code: string; message: string };
}

describe('files API', () => {
  let d: TestDaemon;
  let id: string;
  const url = (p: string) => `${d.url}/v1/sandboxes/${id}${p}`;
  const auth = () => ({ authorization: `Bearer ${d.token}` });
  const put = (path: string, body: Buffer | string) =>
    fetch(url(`/files?path=${encodeURIComponent(path)}`), {
      method: 'PUT',
      headers: { ...auth(), 'content-type': 'application/octet-stream' },
      body,
    });
  const get = (path: string) =>
    fetch(url(`/files?path=${encodeURIComponent(path)}`), { headers: auth() });
  const sh = async (command: string) =>
    (await d.api<{ stdout: string }>('POST', `/v1/sandboxes/${id}/exec`, { command })).body.stdout;

  before(async () => {
    d = await startDaemon();
    id = (await d.api<{ id: string }>('POST', '/v1/sandboxes', {})).body.id;
  });

  after(async () => {
    await d.stop();
    await destroyEverything(d.dataDir);
  });

  it('writes and reads binary files byte for byte, owned by the sandbox user', async () => {
    const bytes = randomBytes(300_000);
    const w = await put('src/data/blob.bin', bytes);
    assert.equal(w.status, 200);
    assert.deepEqual(await w.json(), { path: 'src/data/blob.bin', size: bytes.length });
    const r = await get('/workspace/src/data/blob.bin');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/octet-stream');
    assert.ok(Buffer.from(await r.arrayBuffer()).equals(bytes));
    assert.equal(await sh('stat -c %U src/data/blob.bin'), 'sandbox\n');
  });

  it('writes raw bytes whatever the content type says', async () => {
    for (const [type, body] of [
      ['application/json', '{"name":"app","private":true}'],
      ['text/plain', 'plain text\n'],
      ['application/x-www-form-urlencoded', 'a=1&b=2'],
    ]) {
      const w = await fetch(url('/files?path=typed.txt'), {
        method: 'PUT',
        headers: { ...auth(), 'content-type': type! },
        body,
      });
      assert.equal(w.status, 200, type);
      assert.equal(await (await get('typed.txt')).text(), body, type);
    }
  });

  it('lists with depth, stats, makes directories, moves and deletes', async () => {
    await put('tree/a/b/c.txt', 'c');
    await put('tree/top.txt', 'top');
    const one = await d.api<{ entries: { path: string; type: string }[] }>(
      'GET',
      `/v1/sandboxes/${id}/files/list?path=tree`,
    );
    assert.deepEqual(one.body.entries.map((e) => e.path).sort(), ['tree/a', 'tree/top.txt']);
    const deep = await d.api<{ entries: { path: string }[] }>(
      'GET',
      `/v1/sandboxes/${id}/files/list?path=tree&depth=3`,
    );
    assert.ok(deep.body.entries.some((e) => e.path === 'tree/a/b/c.txt'));
    const stat = await d.api<{ type: string; size: number }>(
      'GET',
      `/v1/sandboxes/${id}/files/stat?path=tree/top.txt`,
    );
    assert.equal(stat.body.type, 'file');
    assert.equal(stat.body.size, 3);
    const mk = await d.api<{ type: string }>('POST', `/v1/sandboxes/${id}/files/mkdir`, {
      path: 'made/here',
      parents: true,
    });
    assert.equal(mk.status, 201);
    assert.equal(mk.body.type, 'directory');
    const again = await d.api<Err>('POST', `/v1/sandboxes/${id}/files/mkdir`, {
      path: 'made/here',
    });
    assert.equal(again.body.error.code, 'already_exists');
    const mv = await d.api<{ path: string }>('POST', `/v1/sandboxes/${id}/files/move`, {
      from: 'tree/top.txt',
      to: 'made/top.txt',
    });
    assert.equal(mv.status, 200);
    assert.equal(await (await get('made/top.txt')).text(), 'top');
    const clash = await d.api<Err>('POST', `/v1/sandboxes/${id}/files/move`, {
      from: 'tree/a/b/c.txt',
      to: 'made/top.txt',
    });
    assert.equal(clash.body.error.code, 'already_exists');
    const notEmpty = await d.api<Err>('DELETE', `/v1/sandboxes/${id}/files?path=tree`);
    assert.equal(notEmpty.body.error.code, 'directory_not_empty');
    assert.equal(
      (await d.api('DELETE', `/v1/sandboxes/${id}/files?path=tree&recursive=true`)).status,
      204,
    );
    const gone = await d.api<Err>('GET', `/v1/sandboxes/${id}/files/stat?path=tree`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.code, 'file_not_found');
  });

  it('refuses paths and symlinks that reach outside the workspace', async () => {
    await sh('ln -s /etc etc-link; ln -s ../../.. up-link; ln -s /etc/hostname host-file');
    for (const p of [
      '../etc/passwd',
      '/etc/passwd',
      '/workspace/../etc/passwd',
      'etc-link/passwd',
      'up-link/etc',
      'host-file',
      'a\u0000b',
    ]) {
      const r = await get(p);
      const body = (await r.json()) as Err;
      assert.equal(r.status, 400, `read ${JSON.stringify(p)}`);
      assert.equal(body.error.code, 'invalid_path');
      const w = await put(p, 'x');
      assert.equal(w.status, 400, `write ${JSON.stringify(p)}`);
    }
    const list = await d.api<{ entries: { path: string; type: string; link_target?: string }[] }>(
      'GET',
      `/v1/sandboxes/${id}/files/list?path=.`,
    );
    const link = list.body.entries.find((e) => e.path === 'etc-link');
    assert.equal(link?.type, 'symlink', 'symlinks are listed as links, never followed');
    assert.equal(link?.link_target, '/etc');
  });

  it('refuses writes to the mandatory deny list', async () => {
    for (const p of [
      '.bashrc',
      '.profile',
      '.zshrc',
      '.gitconfig',
      '.git/hooks/pre-commit',
      '.mcp.json',
      '.ssh/authorized_keys',
      '.claude/settings.json',
      '.vscode/tasks.json',
      'sub/.aws/credentials',
      '.local/bin/ls',
    ]) {
      const w = await put(p, 'x');
      assert.equal(w.status, 403, p);
      assert.equal(((await w.json()) as Err).error.code, 'path_denied');
    }
    const mk = await d.api<Err>('POST', `/v1/sandboxes/${id}/files/mkdir`, { path: '.ssh' });
    assert.equal(mk.body.error.code, 'path_denied');
    await put('harmless.txt', 'x');
    const mv = await d.api<Err>('POST', `/v1/sandboxes/${id}/files/move`, {
      from: 'harmless.txt',
      to: '.bashrc',
    });
    assert.equal(mv.body.error.code, 'path_denied');
    assert.equal(
      (await put('bin/tool', '#!/bin/sh\n')).status,
      403,
      'the workspace-root bin/ is ~/bin',
    );
    assert.equal((await put('src/bin/tool', '#!/bin/sh\n')).status, 200, 'a project bin/ is fine');
    // Renaming a harmless directory into a denied place is refused as a whole.
    assert.equal((await put('g/hooks/pre-commit', '#!/bin/sh\necho pwned\n')).status, 200);
    const smuggle = await d.api<Err>('POST', `/v1/sandboxes/${id}/files/move`, {
      from: 'g',
      to: '.git',
    });
    assert.equal(smuggle.status, 403);
    assert.equal(smuggle.body.error.code, 'path_denied');
    assert.equal((await get('.git/hooks/pre-commit')).status, 404);
  });

  it('answers 404 for a missing file and 400 for reading a directory', async () => {
    const missing = await get('nope.txt');
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as Err).error.code, 'file_not_found');
    await d.api('POST', `/v1/sandboxes/${id}/files/mkdir`, { path: 'adir' });
    const dir = await get('adir');
    assert.equal(dir.status, 400);
    assert.equal(((await dir.json()) as Err).error.code, 'is_a_directory');
  });
});
