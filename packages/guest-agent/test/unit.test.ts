import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { PaddockError } from '@paddock/shared';
import { buildChildEnv, CHILD_PATH, egressEnv, inheritedSandboxEnv } from '../src/agent/env.js';
import { isDeniedPath, Workspace } from '../src/agent/workspacePath.js';
import { ByteRing, decodeTail } from '../src/agent/processes.js';
import { Child } from '../src/agent/child.js';

describe('env', () => {
  test('inherits only PADDOCK_SANDBOX_ENV_ variables, prefix stripped, secrets dropped', () => {
    const inherited = inheritedSandboxEnv({
      PADDOCK_SANDBOX_ENV_FOO: 'foo',
      PADDOCK_SANDBOX_ENV_NODE_ENV: 'development',
      PADDOCK_SANDBOX_ENV_GITHUB_TOKEN: 'x',
      PADDOCK_SANDBOX_ENV_OPENAI_API_KEY: 'x',
      PADDOCK_SANDBOX_ENV_DB_PASSWORD: 'x',
      PADDOCK_SANDBOX_ENV_: 'empty name',
      'PADDOCK_SANDBOX_ENV_BAD-NAME': 'x',
      SECRET_THING: 'x',
      HOME: '/root',
      PATH: '/agent/bin',
      UNSET: undefined,
    });
    assert.deepEqual({ ...inherited }, { FOO: 'foo', NODE_ENV: 'development' });
  });

  test('builds base, then inherited, then explicit, which is not scrubbed', () => {
    const env = buildChildEnv({
      workspace: '/workspace',
      cwd: '/workspace/src',
      inherited: { FOO: 'inherited', BAR: 'bar' },
      explicit: { FOO: 'explicit', GITHUB_TOKEN: 'chosen', __proto__: 'plain' } as Record<
        string,
        string
      >,
    });
    assert.deepEqual(
      { ...env },
      {
        PATH: CHILD_PATH,
        HOME: '/workspace',
        USER: 'sandbox',
        LANG: 'C.UTF-8',
        TERM: 'xterm-256color',
        PWD: '/workspace/src',
        npm_config_cache: '/workspace/.cache/npm',
        // Every child goes out through the egress proxy the agent relays.
        HTTP_PROXY: 'http://127.0.0.1:3128',
        HTTPS_PROXY: 'http://127.0.0.1:3128',
        http_proxy: 'http://127.0.0.1:3128',
        https_proxy: 'http://127.0.0.1:3128',
        NO_PROXY: 'localhost,127.0.0.1,::1',
        no_proxy: 'localhost,127.0.0.1,::1',
        NODE_USE_ENV_PROXY: '1',
        PADDOCK_API_URL: 'http://paddock.internal',
        PADDOCK_TOKEN_FILE: '/run/paddock/token',
        FOO: 'explicit',
        BAR: 'bar',
        GITHUB_TOKEN: 'chosen',
      },
    );
    assert.equal(CHILD_PATH.includes('/workspace'), false);
    // The shared cache's package managers come after every system directory.
    assert.ok(CHILD_PATH.endsWith(':/bin:/opt/paddock/cache/bin'), CHILD_PATH);
  });

  test('points at the fetch preload and the CA files only when the driver provided them', () => {
    assert.equal(egressEnv(() => false).NODE_OPTIONS, undefined);
    assert.equal(egressEnv(() => false).SSL_CERT_FILE, undefined);
    const full = egressEnv(() => true);
    assert.equal(full.NODE_OPTIONS, '--require /opt/paddock/fetch-proxy.cjs');
    assert.equal(full.NODE_EXTRA_CA_CERTS, '/opt/paddock/egress-ca.pem');
    assert.equal(full.SSL_CERT_FILE, '/opt/paddock/ca-certificates.crt');
    assert.equal(full.GIT_SSL_CAINFO, '/opt/paddock/ca-certificates.crt');
    assert.equal(egressEnv(() => false).GIT_SSL_CAINFO, undefined);
    assert.equal(full.HTTPS_PROXY, 'http://127.0.0.1:3128');
  });

  test('a variable named __proto__ stays an ordinary entry', () => {
    const explicit = JSON.parse('{"__proto__":"x"}') as Record<string, string>;
    const env = buildChildEnv({ workspace: '/w', cwd: '/w', inherited: {}, explicit });
    assert.equal(Object.getOwnPropertyDescriptor(env, '__proto__')?.value, 'x');
  });
});

describe('deny list', () => {
  test('refuses every family at any depth, case-insensitively', () => {
    for (const p of [
      '.bashrc',
      'a/b/.zshrc',
      '.profile',
      '.gitconfig',
      'x/.gitmodules',
      '.mcp.json',
      '.git/hooks',
      '.git/hooks/pre-commit',
      'deps/x/.git/hooks/post-merge',
      '.claude',
      '.claude/settings.json',
      'p/.vscode/tasks.json',
      '.idea/x',
      '.ssh/authorized_keys',
      '.aws/config',
      '.gcp/x',
      '.kube/config',
      '.codex/x',
      '.opencode/x',
      '.claude-code/x',
      '.local/bin/x',
      'a/.local/bin',
      '.BashRC',
      '.Git/Hooks/x',
      'bin',
      'bin/tool',
      'BIN/x',
      './bin/x',
    ]) {
      assert.equal(isDeniedPath(p), true, p);
    }
  });

  test('allows ordinary paths, bin/ below the workspace root included', () => {
    for (const p of [
      '.',
      'src/bin/x',
      'a/b/bin',
      'binaries/x',
      'sbin/x',
      '.git/config',
      '.git/objects/ab/cd',
      'hooks/pre-commit',
      '.github/workflows/ci.yml',
      '.local/share/x',
      'src/bashrc',
      'docs/.profile.md',
      '.claude.md',
    ]) {
      assert.equal(isDeniedPath(p), false, p);
    }
  });
});

describe('workspace paths', () => {
  test('normalises client paths and refuses escapes', async () => {
    const tmp = await mkdtemp(path.join(tmpdir(), 'paddock-ws-'));
    try {
      const ws = await Workspace.open(path.join(tmp, 'ws'));
      assert.equal(ws.toRelative('src/a.ts'), 'src/a.ts');
      assert.equal(ws.toRelative('./src//a.ts'), 'src/a.ts');
      assert.equal(ws.toRelative('src/'), 'src');
      assert.equal(ws.toRelative('.'), '.');
      assert.equal(ws.toRelative('src/../b'), 'b');
      assert.equal(ws.toRelative(path.join(tmp, 'ws')), '.');
      assert.equal(ws.toRelative(path.join(tmp, 'ws', 'x/y')), 'x/y');
      assert.equal(ws.toRelative('/workspace/x'), 'x');
      assert.equal(ws.toRelative('/workspace/'), '.');
      for (const bad of [
        '',
        '..',
        '../x',
        'a/../../x',
        '/etc/passwd',
        '/workspace/../etc',
        '/workspacefoo',
        'a\0b',
        5,
      ]) {
        assert.throws(
          () => ws.toRelative(bad),
          (e: unknown) => e instanceof PaddockError && e.code === 'invalid_path',
          String(bad),
        );
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});

describe('output ring', () => {
  test('keeps the newest bytes and flags drops', () => {
    const ring = new ByteRing(10);
    ring.push(Buffer.from('0123456'));
    assert.equal(ring.read().bytes.toString(), '0123456');
    assert.equal(ring.read().cut, false);
    ring.push(Buffer.from('789abc'));
    assert.equal(ring.read().bytes.toString(), '3456789abc');
    assert.equal(ring.read().cut, true);
    ring.push(Buffer.from('ABCDEFGHIJKLMNOP'));
    assert.equal(ring.read().bytes.toString(), 'GHIJKLMNOP');
    assert.equal(ring.read(3).bytes.toString(), 'NOP');
  });

  test('decoding a cut buffer skips a partial leading character', () => {
    const bytes = Buffer.from('éa');
    assert.equal(decodeTail(bytes.subarray(1), true), 'a');
    assert.equal(decodeTail(bytes, false), 'éa');
  });
});

describe('child', () => {
  test('output held back by a slow reader survives the drain grace after exit', async () => {
    // More than one pipe read: part sits in the stream, part still in the pipe when head exits.
    const total = 120_000;
    const child = new Child({
      file: 'head',
      args: ['-c', String(total), '/dev/zero'],
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      drainMs: 10,
    });
    const stdout = child.stdout;
    assert.ok(stdout);
    // A slow client: nothing read until the leader has exited, then a pause after each chunk.
    stdout.pause();
    let bytes = 0;
    stdout.on('data', (c: Buffer) => {
      bytes += c.length;
      stdout.pause();
      setTimeout(() => stdout.resume(), 50);
    });
    await child.settled;
    assert.equal(bytes, total);
  });

  test('a grandchild holding the pipes does not keep the exec open', async () => {
    const child = new Child({
      file: '/bin/sh',
      args: ['-c', 'sleep 30 & echo $!'],
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      drainMs: 10,
    });
    let out = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    const outcome = await child.exited;
    await child.settled;
    assert.equal(outcome.state, 'exited');
    assert.equal(child.kill('SIGKILL'), true, 'the group still had the sleep in it');
    assert.ok(Number(out.trim()) > 0);
  });
});
