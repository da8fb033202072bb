import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { AGENT_LIMITS } from '@paddock/shared';
import { errorCode, paddockError, rawRequest, startAgent, type Harness } from './harness.js';

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('files', () => {
  let h: Harness;
  before(async () => {
    h = await startAgent();
  });
  after(async () => {
    await h.stop();
  });

  const read = async (p: string): Promise<Buffer> => collect((await h.client.readFile(p)).stream);

  test('write and read round-trip text and binary bytes', async () => {
    const text = 'hello, wörld\n';
    assert.deepEqual(await h.client.writeFile('hello.txt', Buffer.from(text)), {
      path: 'hello.txt',
      size: Buffer.byteLength(text),
    });
    assert.equal((await read('hello.txt')).toString('utf8'), text);

    const binary = Buffer.alloc(256 * 3);
    for (let i = 0; i < binary.length; i++) binary[i] = i % 256;
    await h.client.writeFile('data/blob.dat', binary);
    const file = await h.client.readFile('data/blob.dat');
    assert.equal(file.size, binary.length);
    assert.deepEqual(await collect(file.stream), binary);
    assert.deepEqual(
      await readFile(path.join(h.ws, 'data/blob.dat')),
      binary,
      'bytes on disk are exact',
    );

    await h.client.writeFile('empty', Buffer.alloc(0));
    assert.equal((await read('empty')).length, 0);
  });

  test('write streams a Readable body and creates parent directories', async () => {
    const parts = ['a'.repeat(100_000), 'b'.repeat(100_000), 'c'];
    const res = await h.client.writeFile(
      'deep/er/stream.txt',
      Readable.from(parts.map((p) => Buffer.from(p))),
    );
    assert.equal(res.size, 200_001);
    assert.equal((await read('deep/er/stream.txt')).toString(), parts.join(''));
  });

  test('write applies an octal mode and keeps an existing mode otherwise', async () => {
    await h.client.writeFile('run.sh', Buffer.from('#!/bin/sh\necho ran\n'), { mode: 0o755 });
    assert.equal((await h.client.stat('run.sh')).mode, '0755');
    await h.client.writeFile('run.sh', Buffer.from('#!/bin/sh\necho again\n'));
    assert.equal((await h.client.stat('run.sh')).mode, '0755');
    assert.equal((await h.client.exec({ argv: ['./run.sh'] })).stdout, 'again\n');
    const bad = await rawRequest(h.socket, {
      method: 'PUT',
      path: '/files?path=m.txt&mode=999',
      body: 'x',
    });
    assert.equal(errorCode(bad), 'bad_request');
  });

  test('absolute paths under the workspace, and under /workspace, are accepted', async () => {
    await h.client.writeFile(path.join(h.ws, 'abs.txt'), Buffer.from('abs'));
    assert.equal((await read('abs.txt')).toString(), 'abs');
    assert.equal((await read('/workspace/abs.txt')).toString(), 'abs');
    assert.equal((await h.client.stat('/workspace')).path, '.');
  });

  test('list walks to the requested depth and never follows symlinks', async () => {
    await mkdir(path.join(h.ws, 'tree/a/b'), { recursive: true });
    await writeFile(path.join(h.ws, 'tree/a/b/c.txt'), 'c');
    await writeFile(path.join(h.ws, 'tree/a/x.txt'), 'xx');
    await writeFile(path.join(h.ws, 'tree/top.txt'), 'top');
    await symlink('a', path.join(h.ws, 'tree/link'));

    const one = await h.client.listFiles('tree', 1);
    assert.equal(one.path, 'tree');
    assert.equal(one.truncated, false);
    assert.deepEqual(
      one.entries.map((e) => [e.path, e.type]),
      [
        ['tree/a', 'directory'],
        ['tree/link', 'symlink'],
        ['tree/top.txt', 'file'],
      ],
    );
    const link = one.entries.find((e) => e.name === 'link');
    assert.equal(link?.link_target, 'a');
    assert.equal(one.entries.find((e) => e.name === 'top.txt')?.size, 3);

    const deep = await h.client.listFiles('tree', 3);
    assert.deepEqual(
      deep.entries.map((e) => e.path),
      ['tree/a', 'tree/a/b', 'tree/a/b/c.txt', 'tree/a/x.txt', 'tree/link', 'tree/top.txt'],
    );
    const root = await h.client.listFiles('.', 1);
    assert.equal(root.path, '.');
    assert.ok(root.entries.some((e) => e.path === 'tree'));

    assert.equal(
      (await paddockError(h.client.listFiles('tree/top.txt', 1))).code,
      'not_a_directory',
    );
    assert.equal((await paddockError(h.client.listFiles('nope', 1))).code, 'file_not_found');
    assert.equal((await paddockError(h.client.listFiles('tree', 0))).code, 'bad_request');
    assert.equal(
      (await paddockError(h.client.listFiles('tree', AGENT_LIMITS.maxListDepth + 1))).code,
      'bad_request',
    );
  });

  test('stat uses lstat semantics', async () => {
    await h.client.writeFile('st/file.txt', Buffer.from('12345'));
    await symlink('file.txt', path.join(h.ws, 'st/link'));
    const file = await h.client.stat('st/file.txt');
    assert.equal(file.type, 'file');
    assert.equal(file.size, 5);
    assert.equal(file.name, 'file.txt');
    assert.equal(file.path, 'st/file.txt');
    assert.match(file.mode, /^0[0-7]{3}$/);
    assert.ok(!Number.isNaN(Date.parse(file.modified_at)));
    const link = await h.client.stat('st/link');
    assert.equal(link.type, 'symlink');
    assert.equal(link.link_target, 'file.txt');
    const root = await h.client.stat('.');
    assert.equal(root.type, 'directory');
    assert.equal(root.path, '.');
    assert.equal((await paddockError(h.client.stat('st/missing'))).code, 'file_not_found');
  });

  test('read errors: a directory, a missing file', async () => {
    await mkdir(path.join(h.ws, 'somedir'), { recursive: true });
    assert.equal((await paddockError(h.client.readFile('somedir'))).code, 'is_a_directory');
    assert.equal((await paddockError(h.client.readFile('missing.txt'))).code, 'file_not_found');
    assert.equal((await paddockError(h.client.readFile(''))).code, 'invalid_path');
  });

  test('mkdir, with and without parents', async () => {
    const made = await h.client.mkdir({ path: 'mk' });
    assert.equal(made.type, 'directory');
    assert.equal(made.path, 'mk');
    assert.equal((await paddockError(h.client.mkdir({ path: 'mk' }))).code, 'already_exists');
    assert.equal((await h.client.mkdir({ path: 'mk', parents: true })).type, 'directory');
    assert.equal((await paddockError(h.client.mkdir({ path: 'mk2/a/b' }))).code, 'file_not_found');
    assert.equal((await h.client.mkdir({ path: 'mk2/a/b', parents: true })).path, 'mk2/a/b');
    await h.client.writeFile('mkfile', Buffer.from('x'));
    assert.equal(
      (await paddockError(h.client.mkdir({ path: 'mkfile', parents: true }))).code,
      'already_exists',
    );
  });

  test('move, with and without overwrite', async () => {
    await h.client.writeFile('mv/a.txt', Buffer.from('A'));
    await h.client.writeFile('mv/b.txt', Buffer.from('B'));
    const moved = await h.client.move({ from: 'mv/a.txt', to: 'mv/sub/c.txt' });
    assert.equal(moved.path, 'mv/sub/c.txt');
    assert.equal(existsSync(path.join(h.ws, 'mv/a.txt')), false);
    assert.equal((await read('mv/sub/c.txt')).toString(), 'A');
    const refused = await paddockError(h.client.move({ from: 'mv/sub/c.txt', to: 'mv/b.txt' }));
    assert.equal(refused.code, 'already_exists');
    await h.client.move({ from: 'mv/sub/c.txt', to: 'mv/b.txt', overwrite: true });
    assert.equal((await read('mv/b.txt')).toString(), 'A');
    assert.equal(
      (await paddockError(h.client.move({ from: 'mv/none', to: 'mv/x' }))).code,
      'file_not_found',
    );
    assert.equal(
      (await paddockError(h.client.move({ from: '.', to: 'mv/x' }))).code,
      'invalid_path',
    );
  });

  test('delete files and directories', async () => {
    await h.client.writeFile('del/one.txt', Buffer.from('1'));
    await h.client.writeFile('del/dir/two.txt', Buffer.from('2'));
    await h.client.deleteFile('del/one.txt');
    assert.equal(existsSync(path.join(h.ws, 'del/one.txt')), false);
    assert.equal((await paddockError(h.client.deleteFile('del/dir'))).code, 'directory_not_empty');
    await h.client.deleteFile('del/dir', true);
    assert.equal(existsSync(path.join(h.ws, 'del/dir')), false);
    await h.client.mkdir({ path: 'del/empty' });
    await h.client.deleteFile('del/empty');
    assert.equal((await paddockError(h.client.deleteFile('del/missing'))).code, 'file_not_found');
    assert.equal((await paddockError(h.client.deleteFile('.', true))).code, 'invalid_path');
    assert.equal((await paddockError(h.client.deleteFile(h.ws, true))).code, 'invalid_path');
    assert.ok(existsSync(h.ws));
  });

  test('path traversal is refused with invalid_path', async () => {
    await symlink('/etc', path.join(h.ws, 'etclink'));
    const outside = path.join(h.tmp, 'outside');
    await mkdir(outside);
    await symlink(path.join(outside, 'planted'), path.join(h.ws, 'dangling'));
    await symlink('../outside', path.join(h.ws, 'uplink'));

    for (const p of [
      '../x',
      '/etc/passwd',
      '/workspace/../etc/passwd',
      'a/../../x',
      'etclink/passwd',
      'x\0y',
    ]) {
      assert.equal((await paddockError(h.client.readFile(p))).code, 'invalid_path', `read ${p}`);
    }
    for (const p of [
      '../x',
      '/etc/x',
      '/workspace/../etc/x',
      'etclink/evil',
      'dangling',
      'uplink/new.txt',
    ]) {
      const err = await paddockError(h.client.writeFile(p, Buffer.from('pwned')));
      assert.equal(err.code, 'invalid_path', `write ${p}`);
    }
    assert.equal(existsSync(path.join(outside, 'planted')), false);
    assert.deepEqual(await readdir(outside), []);
    assert.equal((await paddockError(h.client.mkdir({ path: 'etclink/x' }))).code, 'invalid_path');
    assert.equal(
      (await paddockError(h.client.mkdir({ path: 'uplink/x', parents: true }))).code,
      'invalid_path',
    );
    assert.equal((await paddockError(h.client.listFiles('etclink', 1))).code, 'invalid_path');
    assert.equal((await paddockError(h.client.stat('etclink/passwd'))).code, 'invalid_path');
    assert.equal((await paddockError(h.client.deleteFile('etclink/passwd'))).code, 'invalid_path');
    assert.equal(
      (await paddockError(h.client.readFile('etclink/nonexistent'))).code,
      'invalid_path',
    );
    await h.client.writeFile('victim.txt', Buffer.from('v'));
    const moveOut = await paddockError(
      h.client.move({ from: 'victim.txt', to: 'uplink/victim.txt' }),
    );
    assert.equal(moveOut.code, 'invalid_path');
    const moveIn = await paddockError(h.client.move({ from: 'etclink/hostname', to: 'stolen' }));
    assert.equal(moveIn.code, 'invalid_path');
    // The link itself is inside and may be inspected or removed.
    assert.equal((await h.client.stat('etclink')).type, 'symlink');
    await h.client.deleteFile('etclink');
    assert.ok(existsSync('/etc/passwd'));
  });

  test('symlinks that stay inside the workspace work', async () => {
    await h.client.writeFile('inside/real.txt', Buffer.from('real'));
    await symlink('inside', path.join(h.ws, 'alias'));
    assert.equal((await read('alias/real.txt')).toString(), 'real');
    await h.client.writeFile('alias/new.txt', Buffer.from('new'));
    assert.equal(await readFile(path.join(h.ws, 'inside/new.txt'), 'utf8'), 'new');
    await symlink('real.txt', path.join(h.ws, 'inside/pointer'));
    await h.client.writeFile('inside/pointer', Buffer.from('through'));
    assert.equal(await readFile(path.join(h.ws, 'inside/real.txt'), 'utf8'), 'through');
    assert.equal(
      (await h.client.stat('inside/pointer')).type,
      'symlink',
      'writing through keeps the link',
    );
  });

  test('the deny list refuses every family with path_denied', async () => {
    const denied = [
      '.bashrc',
      '.bash_profile',
      '.bash_login',
      '.bash_logout',
      '.zshrc',
      'sub/.zprofile',
      '.zshenv',
      '.zlogin',
      '.profile',
      '.gitconfig',
      'vendor/lib/.gitmodules',
      '.mcp.json',
      '.git/hooks/pre-commit',
      'vendor/dep/.git/hooks/post-checkout',
      '.claude/settings.json',
      '.claude-code/x',
      '.codex/config.toml',
      '.opencode/x',
      '.vscode/tasks.json',
      'pkg/.idea/workspace.xml',
      '.ssh/authorized_keys',
      '.aws/credentials',
      '.gcp/key.json',
      '.kube/config',
      '.local/bin/python',
      'bin/tool',
      'Bin/tool',
      '/workspace/bin/tool',
      '.VSCode/tasks.json',
      '/workspace/.bashrc',
    ];
    for (const p of denied) {
      const err = await paddockError(h.client.writeFile(p, Buffer.from('x')));
      assert.equal(err.code, 'path_denied', `write ${p}`);
    }
    assert.equal((await paddockError(h.client.mkdir({ path: '.vscode' }))).code, 'path_denied');
    assert.equal(
      (await paddockError(h.client.mkdir({ path: '.git/hooks', parents: true }))).code,
      'path_denied',
    );
    await h.client.writeFile('harmless.sh', Buffer.from('echo hi'));
    assert.equal(
      (await paddockError(h.client.move({ from: 'harmless.sh', to: '.git/hooks/pre-commit' })))
        .code,
      'path_denied',
    );
    // A link with an innocent name that points at a denied file is refused by its resolved path.
    await symlink('.bashrc', path.join(h.ws, 'innocent'));
    assert.equal(
      (await paddockError(h.client.writeFile('innocent', Buffer.from('x')))).code,
      'path_denied',
    );
    await symlink('.claude', path.join(h.ws, 'cfg'));
    assert.equal(
      (await paddockError(h.client.writeFile('cfg/settings.json', Buffer.from('x')))).code,
      'path_denied',
    );
    assert.equal(existsSync(path.join(h.ws, '.bashrc')), false);
    assert.equal(existsSync(path.join(h.ws, '.claude')), false);

    for (const p of [
      'src/bin/tool',
      'binaries/tool',
      '.github/workflows/ci.yml',
      'hooks/pre-commit',
      '.git/config',
      'src/profile',
    ]) {
      assert.equal((await h.client.writeFile(p, Buffer.from('ok'))).path, p, `write ${p}`);
    }
  });

  test('mkdir with parents is refused for every denied path it would create', async () => {
    await symlink('.git', path.join(h.ws, 'gitlink'));
    // Dangling while .git/hooks does not exist: followed by its text all the same.
    await symlink('.git/hooks', path.join(h.ws, 'hooklink'));
    for (const p of [
      '.git/hooks/x',
      'sub/.git/hooks/deep/er',
      '.local/bin/x',
      'bin',
      'bin/x',
      '.ssh/keys',
      'gitlink/hooks/x',
      'hooklink/x',
    ]) {
      const err = await paddockError(h.client.mkdir({ path: p, parents: true }));
      assert.equal(err.code, 'path_denied', `mkdir -p ${p}`);
    }
    for (const p of ['.git/hooks', '.local/bin', 'bin']) {
      assert.equal(existsSync(path.join(h.ws, p)), false, `${p} was not created`);
    }
    assert.equal((await h.client.mkdir({ path: 'src/bin/x', parents: true })).path, 'src/bin/x');
  });

  test('a move cannot carry files onto the deny list', async () => {
    const refused = async (from: string, to: string): Promise<void> => {
      const err = await paddockError(h.client.move({ from, to }));
      assert.equal(err.code, 'path_denied', `move ${from} -> ${to}: ${err.message}`);
      assert.equal(existsSync(path.join(h.ws, from)), true, `${from} stays where it was`);
      assert.equal(existsSync(path.join(h.ws, to)), false, `${to} was not created`);
    };
    // The reported bypass: a hook written under an innocent name, then its directory renamed.
    await h.client.writeFile('mv/g/hooks/pre-commit', Buffer.from('#!/bin/sh\necho pwned\n'));
    // The workspace's .git (only a config so far) moves aside, so the root one is free.
    if (existsSync(path.join(h.ws, '.git'))) await h.client.move({ from: '.git', to: 'old-git' });
    await refused('mv/g', '.git');
    await refused('mv/g', 'r1/.git');
    await refused('mv/g', 'vendor/dep/.GIT');
    await h.client.writeFile('mv/l/bin/python', Buffer.from('x'));
    await refused('mv/l', '.local');
    await h.client.writeFile('mv/t/tool', Buffer.from('x'));
    await refused('mv/t', 'bin');
    await h.client.writeFile('mv/G/Hooks/post-merge', Buffer.from('x'));
    await refused('mv/G', 'r2/.git');
    // Denied names deeper in the tree (put there by exec) are refused under any new name.
    await h.client.exec({
      command: 'mkdir -p mv/home/.ssh mv/agent/.claude && touch mv/home/.ssh/authorized_keys',
    });
    await refused('mv/home', 'home2');
    await refused('mv/agent', 'agent2');
    // A symlink inside is judged by its own name, and never followed.
    await h.client.mkdir({ path: 'mv/s', parents: true });
    await symlink('/tmp', path.join(h.ws, 'mv/s/hooks'));
    await refused('mv/s', 'r3/.git');
    await h.client.mkdir({ path: 'mv/loop', parents: true });
    await symlink('..', path.join(h.ws, 'mv/loop/up'));
    assert.equal((await h.client.move({ from: 'mv/loop', to: 'mv/loop2' })).type, 'directory');

    // Ordinary trees still move, .git (without hooks) included.
    await h.client.writeFile('mv/proj/src/main.ts', Buffer.from('x'));
    await h.client.writeFile('mv/proj/.git/config', Buffer.from('x'));
    await h.client.writeFile('mv/proj/src/bin/run', Buffer.from('x'));
    assert.equal((await h.client.move({ from: 'mv/proj', to: 'proj' })).path, 'proj');
    assert.equal(await readFile(path.join(h.ws, 'proj/src/bin/run'), 'utf8'), 'x');
    // Moving a single file is judged by its target alone, as before.
    await h.client.move({ from: 'mv/g/hooks/pre-commit', to: 'pre-commit.sample' });
    assert.equal(existsSync(path.join(h.ws, 'pre-commit.sample')), true);
  });

  test('a move of a tree too large to check is refused, and nothing moves', async () => {
    const n = AGENT_LIMITS.listEntries + 1;
    const made = await h.client.exec({
      command: `mkdir -p huge/d && cd huge/d && seq 1 ${n} | xargs touch && ls | wc -l`,
    });
    assert.equal(made.stdout.trim(), String(n));
    const err = await paddockError(h.client.move({ from: 'huge', to: 'huge2' }));
    assert.equal(err.code, 'bad_request');
    assert.equal(existsSync(path.join(h.ws, 'huge/d/1')), true);
    assert.equal(existsSync(path.join(h.ws, 'huge2')), false);
    await h.client.deleteFile('huge', true);
  });

  test('an oversized write is refused with 413 and leaves nothing behind', async () => {
    // Declared too large: refused before a byte is read.
    const declared = await rawRequest(h.socket, {
      method: 'PUT',
      path: '/files?path=big-declared.bin',
      headers: { 'content-length': AGENT_LIMITS.fileWriteBytes + 1 },
      body: 'x',
    });
    assert.equal(declared.status, 413);
    assert.equal(errorCode(declared), 'payload_too_large');

    // Streamed without a length: cut off once it passes the cap.
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    const chunks = Math.floor(AGENT_LIMITS.fileWriteBytes / chunk.length);
    async function* body(): AsyncGenerator<Buffer> {
      for (let i = 0; i < chunks; i++) yield chunk;
      yield Buffer.from('!');
    }
    await h.client.mkdir({ path: 'big' });
    const err = await paddockError(
      h.client.writeFile('big/new/streamed.bin', Readable.from(body())),
    );
    assert.equal(err.code, 'payload_too_large');
    assert.deepEqual(
      await readdir(path.join(h.ws, 'big')),
      [],
      'no file, temp file or new parent left',
    );
    assert.equal(existsSync(path.join(h.ws, 'big-declared.bin')), false);
    // The agent is still healthy afterwards.
    assert.equal((await h.client.health()).ok, true);
  });

  test('malformed requests get 4xx with the right code', async () => {
    const j = { 'content-type': 'application/json' };
    const cases: [Parameters<typeof rawRequest>[1], number, string][] = [
      [{ method: 'POST', path: '/files/mkdir', headers: j, body: '{not json' }, 400, 'bad_request'],
      [{ method: 'POST', path: '/files/mkdir', headers: j, body: '[1]' }, 400, 'bad_request'],
      [{ method: 'POST', path: '/files/mkdir', headers: j, body: '' }, 400, 'bad_request'],
      [
        { method: 'POST', path: '/files/mkdir', headers: j, body: '{"path":5}' },
        400,
        'bad_request',
      ],
      [
        { method: 'POST', path: '/files/mkdir', headers: j, body: '{"path":"a","mode":1}' },
        400,
        'unknown_field',
      ],
      [
        { method: 'POST', path: '/files/move', headers: j, body: '{"from":"a"}' },
        400,
        'bad_request',
      ],
      [
        {
          method: 'POST',
          path: '/files/mkdir',
          headers: { 'content-type': 'text/plain' },
          body: '{}',
        },
        415,
        'unsupported_media_type',
      ],
      [
        {
          method: 'POST',
          path: '/exec',
          headers: j,
          body: `{"command":"${'x'.repeat(1024 * 1024)}"}`,
        },
        413,
        'payload_too_large',
      ],
      [{ method: 'GET', path: '/files/stat?path=a&extra=1' }, 400, 'unknown_field'],
      [{ method: 'GET', path: '/files/stat' }, 400, 'invalid_path'],
      [{ method: 'GET', path: '/files/list?depth=abc' }, 400, 'bad_request'],
      [{ method: 'DELETE', path: '/files?path=a&recursive=yes' }, 400, 'bad_request'],
      [{ method: 'GET', path: '/processes/p1/output?tail=-1' }, 400, 'bad_request'],
      [{ method: 'GET', path: '/nope' }, 404, 'route_not_found'],
      [{ method: 'GET', path: '/processes/p1/nope' }, 404, 'route_not_found'],
      [{ method: 'PATCH', path: '/files' }, 405, 'method_not_allowed'],
      [
        {
          method: 'POST',
          path: '/processes/p1/signal',
          headers: j,
          body: '{"signal":"SIGTERM","x":1}',
        },
        400,
        'unknown_field',
      ],
    ];
    for (const [req, status, code] of cases) {
      const res = await rawRequest(h.socket, req);
      assert.equal(res.status, status, `${req.method} ${req.path}: ${res.text}`);
      assert.equal(errorCode(res), code, `${req.method} ${req.path}`);
      assert.ok(!/at .+\.(m?js|ts):\d+/.test(res.text), 'no stack trace in answers');
    }
    assert.equal((await h.client.health()).ok, true);
  });
});
