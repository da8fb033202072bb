import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ExecRequest, ExecResult } from '@paddock/shared';
import { cloneRepository, type GitWorkspace } from '../packages/daemon/src/git/index.js';
import { gitDaemonEnv, startGitServer, type GitServer } from './fixtures/git-server/gitServer.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';
import { selfSignedCertificate } from './testCertificate.js';

const HOST = 'git.example.test';
const TOKEN = `ghs_${randomBytes(18).toString('hex')}`;
/** The token as HTTP Basic auth carries it: base64 of `x-access-token:<token>`. */
const BASIC = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');
const INJECT = { hosts: [HOST], header: 'Authorization', format: 'Basic {basic:x-access-token}' };

interface App {
  id: string;
  sandbox: { id: string };
}
interface ErrorBody {
  error: { code: string; message: string };
}
interface Checkpoint {
  sha: string;
  title: string;
  head: boolean;
}

/**
 * Push and pull through the egress proxy to a real git server (git http-backend over HTTPS on
 * loopback, under a public-looking name) that wants a token only the test and the injector
 * know: the app's sensitive config value, injected as HTTP Basic auth for the host.
 */
describe('app git: push and pull through the egress proxy, the token injected', () => {
  const dataDir = tempDataDir();
  const cert = selfSignedCertificate(HOST);
  let server: GitServer;
  let d: TestDaemon;
  let app: App;
  let sb: string;
  const bodies: string[] = [];

  const api = async <T>(method: string, p: string, body?: unknown) => {
    const res = await d.api<T>(method, p, body);
    bodies.push(typeof res.body === 'string' ? res.body : JSON.stringify(res.body));
    return res;
  };
  const sh = async (command: string): Promise<ExecResult> => {
    const r = await api<ExecResult>('POST', `/v1/sandboxes/${sb}/exec`, {
      command,
      timeout_ms: 60_000,
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };
  /** A commit in the workspace, as a task's checkpoint would be (git run by hand). */
  const commitInApp = async (message: string, files: Record<string, string>) => {
    const writes = Object.entries(files)
      .map(([f, c]) => `printf '%s' '${c}' > '${f}'`)
      .join(' && ');
    const r = await sh(
      `set -e; [ -d .git ] || git init -q -b main; ${writes}; git add -A; ` +
        `git -c user.name=Tester -c user.email=tester@example.test commit -q -m '${message}'; git rev-parse HEAD`,
    );
    assert.equal(r.exit_code, 0, r.stderr);
    return r.stdout.trim();
  };
  const head = async () => (await sh('git rev-parse HEAD')).stdout.trim();
  const push = (body: Record<string, unknown>) =>
    api<{ url: string; branch: string; commit: string } & ErrorBody>(
      'POST',
      `/v1/apps/${app.id}/git/push`,
      body,
    );
  const pull = (body: Record<string, unknown>) =>
    api<{ previous: string; checkpoint: string; changed: boolean } & ErrorBody>(
      'POST',
      `/v1/apps/${app.id}/git/pull`,
      body,
    );
  const setToken = async (value: string) => {
    await api('DELETE', `/v1/apps/${app.id}/config/GIT_TOKEN`);
    const r = await api('POST', `/v1/apps/${app.id}/config`, {
      key: 'GIT_TOKEN',
      value,
      sensitive: true,
      access_policy: 'agent_access',
      inject: INJECT,
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  };
  const allow = async (hosts: string[]) => {
    const r = await api('PUT', `/v1/apps/${app.id}/egress`, { allow: hosts, deny: [] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  };

  before(async () => {
    server = await startGitServer({ host: HOST, key: cert.key, cert: cert.cert, token: TOKEN });
    server.createRepo('site');
    d = await startDaemon({
      dataDir,
      env: gitDaemonEnv(server, HOST, cert.certFile),
    });
    const created = await api<App>('POST', '/v1/apps', { name: 'git app', preset: 'static' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    app = created.body;
    sb = app.sandbox.id;
    await allow([HOST]);
    await setToken(TOKEN);
  });
  after(async () => {
    await d?.stop();
    await destroyEverything(dataDir);
    await server?.close();
    cert.remove();
  });

  it('answers 400 when no url is given and the app has no origin remote', async () => {
    const r = await push({ branch: 'main' });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'bad_request');
  });

  it("pushes the app's commits with their messages, uncommitted work committed first", async () => {
    await commitInApp('Add the about page', { 'about.html': '<h1>About</h1>' });
    await commitInApp('Say hello', { 'hello.txt': 'hello' });
    await sh("printf 'draft' > notes.txt");
    const r = await push({ url: server.url('site'), branch: 'main' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.url, server.url('site'));
    assert.equal(r.body.commit, await head());
    assert.equal(server.heads('site').main, r.body.commit);
    const subjects = server.log('site', 'main').map((c) => c.subject);
    assert.deepEqual(subjects.slice(0, 3), [
      'Workspace before git push',
      'Say hello',
      'Add the about page',
    ]);
    assert.equal(server.readFile('site', 'main', 'notes.txt'), 'draft');
    // Every request the server saw carried the token, and only as the proxy put it there.
    assert.ok(server.authorizations.length > 0);
    assert.ok(server.authorizations.every((a) => a === `Basic ${BASIC}`));
  });

  it('git in the sandbox trusts the proxy through GIT_SSL_CAINFO and goes through HTTPS_PROXY', async () => {
    const env = await sh('echo "$GIT_SSL_CAINFO $HTTPS_PROXY"');
    assert.match(env.stdout, /^\/opt\/paddock\/ca-certificates\.crt http:\/\/127\.0\.0\.1:\d+/);
    const before = server.requests.length;
    const ls = await sh(`git ls-remote ${server.url('site')} refs/heads/main`);
    assert.equal(ls.exit_code, 0, ls.stderr);
    assert.match(ls.stdout, new RegExp(`^${server.heads('site').main}\\s+refs/heads/main`));
    assert.ok(server.requests.length > before, 'the request reached the server');
  });

  it('pulls a remote change as a fast-forward: HEAD, checkpoints and files show it', async () => {
    const previous = await head();
    const sha = server.commit('site', 'main', {
      message: 'Remote edit',
      files: { 'remote.txt': 'from the remote\n' },
    });
    const r = await pull({ url: server.url('site'), branch: 'main' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, { previous, checkpoint: sha, changed: true });
    assert.equal(await head(), sha);
    const checkpoints = await api<{ items: Checkpoint[] }>('GET', `/v1/apps/${app.id}/checkpoints`);
    assert.equal(checkpoints.body.items[0]?.sha, sha);
    assert.equal(checkpoints.body.items[0]?.title, 'Remote edit');
    assert.equal(checkpoints.body.items[0]?.head, true);
    const file = await fetch(`${d.url}/v1/sandboxes/${sb}/files?path=remote.txt`, {
      headers: { authorization: `Bearer ${d.token}` },
    });
    assert.equal(await file.text(), 'from the remote\n');
    const again = await pull({ url: server.url('site'), branch: 'main' });
    assert.deepEqual(again.body, { previous: sha, checkpoint: sha, changed: false });
  });

  it('pulls diverged work as a merge commit by Paddock', async () => {
    const mine = await commitInApp('Mine', { 'mine.txt': 'mine' });
    const theirs = server.commit('site', 'main', {
      message: 'Theirs',
      files: { 'theirs.txt': 't' },
    });
    const r = await pull({ url: server.url('site'), branch: 'main' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.previous, mine);
    assert.equal(r.body.changed, true);
    const merge = await sh("git log -1 --format='%cn|%P|%s'");
    assert.equal(
      merge.stdout.trim(),
      `Paddock|${mine} ${theirs}|Merge main from ${server.url('site')}`,
    );
    assert.equal((await sh('cat mine.txt theirs.txt')).stdout, 'minet');
  });

  it('refuses a conflicting pull with git_conflict and changes nothing', async () => {
    const mine = await commitInApp('App side', { 'clash.txt': 'app' });
    server.commit('site', 'main', { message: 'Remote side', files: { 'clash.txt': 'remote' } });
    const r = await pull({ url: server.url('site'), branch: 'main' });
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'git_conflict');
    assert.match(r.body.error.message, /clash\.txt/);
    assert.equal(await head(), mine);
    assert.equal((await sh('cat clash.txt')).stdout, 'app');
    const state = await sh(
      'git status --porcelain; [ -e .git/MERGE_HEAD ] && echo merging || true',
    );
    assert.equal(state.stdout, '', 'no merge under way, nothing uncommitted');
  });

  it('refuses a push that is not a fast-forward, and forces it when asked', async () => {
    const remoteHead = server.heads('site').main;
    const r = await push({ url: server.url('site'), branch: 'main' });
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'git_conflict');
    assert.equal(server.heads('site').main, remoteHead);
    const forced = await push({ url: server.url('site'), branch: 'main', force: true });
    assert.equal(forced.status, 200, JSON.stringify(forced.body));
    assert.equal(server.heads('site').main, await head());
  });

  it("defaults the url to the app's origin remote", async () => {
    await sh(`git remote add origin ${server.url('site')}`);
    const r = await push({ branch: 'feature' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(server.heads('site').feature, await head());
    // An origin the API would not take (credentials in it) is refused, not used.
    await sh('git remote set-url origin https://user:pw@git.example.test/site.git');
    const refused = await push({ branch: 'feature' });
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    await sh(`git remote set-url origin ${server.url('site')}`);
  });

  it('wakes a stopped sandbox for a pull', async () => {
    const stopped = await api('POST', `/v1/sandboxes/${sb}/stop`);
    assert.equal(stopped.status, 200, JSON.stringify(stopped.body));
    const r = await pull({ branch: 'main' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.changed, false);
  });

  it('fails with git_failed and git’s own words: wrong token, unknown repository, host not allowed', async () => {
    const unknown = await push({ url: server.url('nothing-here'), branch: 'main' });
    assert.equal(unknown.status, 502, JSON.stringify(unknown.body));
    assert.equal(unknown.body.error.code, 'git_failed');
    await setToken(`${TOKEN}-wrong`);
    const wrong = await push({ url: server.url('site'), branch: 'main' });
    assert.equal(wrong.status, 502, JSON.stringify(wrong.body));
    assert.equal(wrong.body.error.code, 'git_failed');
    assert.match(wrong.body.error.message, /Authentication failed|could not read Username/);
    await api('DELETE', `/v1/apps/${app.id}/config/GIT_TOKEN`);
    const none = await pull({ url: server.url('site'), branch: 'main' });
    assert.equal(none.status, 502, JSON.stringify(none.body));
    assert.match(none.body.error.message, /could not read Username|Authentication failed/);
    await setToken(TOKEN);
    await allow([]);
    const denied = await push({ url: server.url('site'), branch: 'main' });
    assert.equal(denied.status, 502, JSON.stringify(denied.body));
    assert.equal(denied.body.error.code, 'git_failed');
    assert.match(denied.body.error.message, /403.*egress rules/);
    await allow([HOST]);
  });

  it('cloneRepository runs in a sandbox through the proxy (the exec API as its agent)', async () => {
    const other = await api<App>('POST', '/v1/apps', { name: 'clone target', preset: 'static' });
    assert.equal(other.status, 201, JSON.stringify(other.body));
    await api('PUT', `/v1/apps/${other.body.id}/egress`, { allow: [HOST], deny: [] });
    const secret = await api('POST', `/v1/apps/${other.body.id}/config`, {
      ...{ key: 'GIT_TOKEN', value: TOKEN, sensitive: true, access_policy: 'agent_access' },
      inject: INJECT,
    });
    assert.equal(secret.status, 201, JSON.stringify(secret.body));
    const target = other.body.sandbox.id;
    const exec = async (req: ExecRequest) => {
      const r = await api<ExecResult>('POST', `/v1/sandboxes/${target}/exec`, req);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body;
    };
    // The preset's files stay beside the checkout; a repository of its own would refuse it.
    await exec({ command: 'rm -rf .git' });
    const cloned = await cloneRepository({ exec }, { url: server.url('site') });
    assert.deepEqual(cloned, { commit: server.heads('site').main, branch: 'main' });
    const seen = await exec({
      command:
        'git rev-parse HEAD; git config --get remote.origin.url; cat remote.txt; git rev-list --first-parent --count HEAD',
    });
    const [headSha, origin, file, count] = seen.stdout.trim().split('\n');
    assert.equal(headSha, cloned.commit);
    assert.equal(origin, server.url('site'));
    assert.equal(file, 'from the remote');
    assert.equal(count, String(server.log('site', 'main').length));
  });

  it('masks the token and its Basic form in what the server echoes back', async () => {
    const echoed = await sh(`curl -s https://${HOST}/_echo`);
    assert.match(echoed.stdout, /^you sent: Basic \*+$/m);
  });

  it('records pushes and pulls as events and audit entries', async () => {
    const events = await api<{ items: { type: string }[] }>(
      'GET',
      `/v1/apps/${app.id}/events?limit=500`,
    );
    const types = events.body.items.map((e) => e.type);
    assert.ok(types.includes('git.pushed'), types.join());
    assert.ok(types.includes('git.pulled'), types.join());
    const audit = await api<{ items: { action: string; outcome: string }[] }>(
      'GET',
      '/v1/audit?action=git.*&limit=100',
    );
    const outcomes = new Set(audit.body.items.map((e) => `${e.action} ${e.outcome}`));
    for (const o of ['git.push ok', 'git.push failed', 'git.pull ok', 'git.pull failed']) {
      assert.ok(outcomes.has(o), [...outcomes].join());
    }
  });

  it('never lets the token into the workspace, a response, an event or the log', async () => {
    const found = await sh(
      `grep -rlaF -e '${TOKEN}' -e '${BASIC}' /workspace /tmp 2>/dev/null || true`,
    );
    assert.equal(found.stdout.trim(), '');
    const config = await sh('cat .git/config');
    assert.ok(!/extraheader|authorization|@/i.test(config.stdout), config.stdout);
    const events = await api('GET', `/v1/apps/${app.id}/events?limit=500`);
    assert.equal(events.status, 200);
    for (const secret of [TOKEN, BASIC]) {
      assert.ok(!bodies.some((b) => b.includes(secret)), 'in a response');
      assert.ok(!d.output().includes(secret), "in the daemon's log");
    }
  });
});

/**
 * A host directory standing in for a sandbox's workspace: git runs on the host with the env the
 * script asks for, and the proxy's injection is stood in for by an extra header in git's
 * command-line config (no proxy here). The sandboxed path is the import's test.
 */
function hostWorkspace(dir: string, caFile: string, authorization: string): GitWorkspace {
  return {
    exec: (req: ExecRequest) =>
      new Promise((resolve) => {
        const [cmd = 'sh', ...args] = req.argv ?? [];
        const child = spawn(cmd, args, {
          cwd: dir,
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            HOME: dir,
            GIT_SSL_CAINFO: caFile,
            ...req.env,
            GIT_CONFIG_COUNT: '1',
            GIT_CONFIG_KEY_0: 'http.extraHeader',
            GIT_CONFIG_VALUE_0: `Authorization: ${authorization}`,
          },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.on('close', (code) =>
          resolve({
            exit_code: code,
            signal: null,
            stdout,
            stderr,
            stdout_truncated: false,
            stderr_truncated: false,
            duration_ms: 0,
            state: 'exited',
          }),
        );
      }),
  };
}

describe('cloneRepository (on a host directory standing in for a sandbox; no proxy)', () => {
  const cert = selfSignedCertificate(HOST, ['localhost']);
  let server: GitServer;
  const dirs: string[] = [];
  const workspace = (files: string[] = []) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-clone-'));
    dirs.push(dir);
    for (const f of files) fs.mkdirSync(path.join(dir, f));
    return { dir, ws: hostWorkspace(dir, cert.certFile, `Basic ${BASIC}`) };
  };
  const git = (dir: string, args: string) =>
    new Promise<string>((resolve, reject) => {
      const child = spawn('sh', ['-c', `git ${args}`], {
        cwd: dir,
        env: { PATH: process.env.PATH, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(args))));
    });
  let url: string;
  let commits: string[];

  before(async () => {
    server = await startGitServer({ host: HOST, key: cert.key, cert: cert.cert, token: TOKEN });
    url = `https://localhost:${server.port}/project.git`;
    commits = server.createRepo(
      'project',
      [
        { message: 'Start', files: { 'index.html': '<h1>one</h1>' } },
        { message: 'Second', files: { 'index.html': '<h1>two</h1>' } },
      ],
      'trunk',
    );
    server.commit('project', 'dev', { message: 'On dev', files: { 'dev.txt': 'dev' } });
  });
  after(async () => {
    await server?.close();
    cert.remove();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('checks out the default branch with its whole history over what the workspace holds', async () => {
    const { dir, ws } = workspace(['lost+found']);
    const r = await cloneRepository(ws, { url });
    assert.deepEqual(r, { commit: commits[1], branch: 'trunk' });
    assert.equal(fs.readFileSync(path.join(dir, 'index.html'), 'utf8'), '<h1>two</h1>');
    assert.equal(await git(dir, 'rev-list --count HEAD'), '2');
    assert.equal(await git(dir, 'config --get remote.origin.url'), url);
    assert.equal(await git(dir, 'rev-parse --abbrev-ref @{upstream}'), 'origin/trunk');
    assert.equal(await git(dir, 'status --porcelain'), '');
    assert.ok(!fs.readFileSync(path.join(dir, '.git/config'), 'utf8').includes(BASIC));
  });

  it('checks out a named branch, or a commit as branch main', async () => {
    const branch = workspace();
    const dev = await cloneRepository(branch.ws, { url, ref: 'dev' });
    assert.equal(dev.branch, 'dev');
    assert.equal(fs.readFileSync(path.join(branch.dir, 'dev.txt'), 'utf8'), 'dev');
    const commit = workspace();
    const first = await cloneRepository(commit.ws, { url, ref: commits[0]! });
    assert.deepEqual(first, { commit: commits[0], branch: 'main' });
    assert.equal(fs.readFileSync(path.join(commit.dir, 'index.html'), 'utf8'), '<h1>one</h1>');
  });

  it('refuses an unknown ref with git_failed, leaving no repository; and a second clone', async () => {
    const { dir, ws } = workspace();
    await assert.rejects(cloneRepository(ws, { url, ref: 'no-such-branch' }), (err: Error) => {
      assert.equal((err as Error & { code: string }).code, 'git_failed');
      assert.match(err.message, /no branch, tag or commit no-such-branch/);
      return true;
    });
    assert.equal(fs.existsSync(path.join(dir, '.git')), false);
    await cloneRepository(ws, { url });
    await assert.rejects(cloneRepository(ws, { url }), /already has a git repository/);
    await assert.rejects(
      cloneRepository(ws, { url: 'https://user:pw@localhost/x.git' }),
      /no credentials/,
    );
  });
});
