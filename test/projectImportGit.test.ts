/**
 * Bringing a project in from git (issue 24): a private repository on a real git server (git
 * http-backend over HTTPS on loopback, under a public-looking name) is cloned inside the new
 * app's sandbox through the egress proxy, with a token that only the test and the injector
 * know; it runs, its history is the app's, and its checkpoints push back.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { after, before, describe, it } from 'node:test';
import { gitDaemonEnv, startGitServer, type GitServer } from './fixtures/git-server/gitServer.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';
import { openPreview, waitFor } from './previewClient.js';
import { selfSignedCertificate } from './testCertificate.js';

const HOST = 'git.example.test';
const TOKEN = `ghs_${randomBytes(18).toString('hex')}`;
const BASIC = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');

interface App {
  id: string;
  preset: string | null;
  import: {
    source: { kind: string; url?: string; ref?: string | null; commit?: string | null };
    state: string;
    detection: { kind: string; manifest_source: string } | null;
  } | null;
  sandbox: {
    id: string;
    preview: { url: string | null; status: string };
    processes: { kind: string; health: string | null }[];
  };
}
interface ErrorBody {
  error: { code: string; message: string };
}
interface Exec {
  exit_code: number;
  stdout: string;
  stderr: string;
}

describe('project import from git: cloned through the egress proxy, the token injected', () => {
  const dataDir = tempDataDir();
  const cert = selfSignedCertificate(HOST);
  let server: GitServer;
  let d: TestDaemon;
  const bodies: string[] = [];

  const api = async <T>(method: string, p: string, body?: unknown) => {
    const res = await d.api<T>(method, p, body);
    bodies.push(JSON.stringify(res.body));
    return res;
  };
  const sh = async (sb: string, command: string): Promise<Exec> => {
    const r = await api<Exec>('POST', `/v1/sandboxes/${sb}/exec`, { command, timeout_ms: 60_000 });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };
  const appCount = async () =>
    (await api<{ items: App[] }>('GET', '/v1/apps?limit=500')).body.items.length;

  before(async () => {
    server = await startGitServer({ host: HOST, key: cert.key, cert: cert.cert, token: TOKEN });
    server.createRepo('site', [
      { message: 'First page', files: { 'index.html': '<!doctype html><h1>From git</h1>' } },
      { message: 'Add a style', files: { 'style.css': 'h1 { color: teal }' } },
    ]);
    d = await startDaemon({
      dataDir,
      env: gitDaemonEnv(server, HOST, cert.certFile),
    });
  });
  after(async () => {
    await d?.stop();
    await destroyEverything(dataDir);
    await server?.close();
    cert.remove();
  });

  it('refuses a wrong token with git_failed and leaves no app behind', async () => {
    const before = await appCount();
    const r = await api<ErrorBody>('POST', '/v1/apps', {
      name: 'wrong token',
      source: { git: { url: server.url('site'), token: 'not-the-token' } },
    });
    assert.equal(r.status, 502, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'git_failed');
    assert.doesNotMatch(JSON.stringify(r.body), /not-the-token/);
    assert.equal(await appCount(), before);
    // Nor is its sealed token kept.
    const db = new SQLite(path.join(d.dataDir, 'state', 'paddock.db'), { readonly: true });
    try {
      const rows = db.prepare("SELECT count(*) AS n FROM app_config WHERE key = 'GIT_TOKEN'").get();
      assert.deepEqual(rows, { n: 0 });
    } finally {
      db.close();
    }
  });

  it('clones a private repository with its history, runs it, and never lets the token in', async () => {
    const head = server.heads('site').main!;
    const r = await api<App>('POST', '/v1/apps', {
      name: 'from git',
      source: { git: { url: server.url('site'), ref: 'main', token: TOKEN } },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const app = r.body;
    assert.equal(app.preset, null);
    assert.deepEqual(app.import?.source, {
      kind: 'git',
      url: server.url('site'),
      ref: 'main',
      commit: head,
    });
    assert.equal(app.import?.detection?.kind, 'static');
    assert.equal(app.import?.detection?.manifest_source, 'proposed');
    const sb = app.sandbox.id;

    // The remote's history, then the import's commit with the proposed sandbox.yaml.
    const log = await sh(sb, 'git log --format=%s');
    assert.deepEqual(log.stdout.trim().split('\n').slice(1), ['Add a style', 'First page']);
    assert.match(log.stdout, /^Imported from https:\/\/git\.example\.test\/site\.git \(main\)/);
    const checkpoints = await api<{ items: { title: string }[] }>(
      'GET',
      `/v1/apps/${app.id}/checkpoints`,
    );
    assert.equal(checkpoints.body.items.length, 3);

    // The host is allowed for the app, and the token is a sealed, write-only config value.
    const egress = await api<{ allow: string[] }>('GET', `/v1/apps/${app.id}/egress`);
    assert.ok(egress.body.allow.includes(HOST));
    const config = await api<{ items: { key: string; sensitive: boolean; value?: string }[] }>(
      'GET',
      `/v1/apps/${app.id}/config`,
    );
    const entry = config.body.items.find((e) => e.key === 'GIT_TOKEN');
    assert.equal(entry?.sensitive, true);
    assert.equal(entry?.value, undefined);

    const running = await waitFor(
      'the imported site serves',
      async () => {
        const a = (await api<App>('GET', `/v1/apps/${app.id}`)).body;
        return a.sandbox.preview.status === 'ready' ? a : undefined;
      },
      120_000,
    );
    const { page } = await openPreview(d.url, running.sandbox.preview.url!);
    assert.match(page.body, /From git/);

    // The token reached the server only by injection, and is nowhere the app can read.
    assert.ok(server.authorizations.includes(`Basic ${BASIC}`));
    const grep = await sh(
      sb,
      `grep -rlF -e '${TOKEN}' -e '${BASIC}' /workspace /tmp 2>/dev/null; cat .git/config`,
    );
    assert.doesNotMatch(grep.stdout, /workspace\/|tmp\//, 'no file holds the token');
    assert.doesNotMatch(grep.stdout, new RegExp(TOKEN));
    assert.match(grep.stdout, /url = https:\/\/git\.example\.test\/site\.git/);

    // The import's commit pushes back to a branch of the remote.
    const pushed = await api<{ commit: string }>('POST', `/v1/apps/${app.id}/git/push`, {
      branch: 'paddock',
    });
    assert.equal(pushed.status, 200, JSON.stringify(pushed.body));
    assert.equal(server.heads('site').paddock, pushed.body.commit);
    assert.match(
      server.readFile('site', 'paddock', 'sandbox.yaml') ?? '',
      /python3 -m http.server/,
    );

    const events = await api<{ items: unknown[] }>('GET', `/v1/apps/${app.id}/events?limit=100`);
    assert.ok(events.body.items.length > 0);
    for (const body of bodies) {
      assert.ok(!body.includes(TOKEN) && !body.includes(BASIC), 'no answer carries the token');
    }
    assert.ok(!d.output().includes(TOKEN) && !d.output().includes(BASIC), 'the log never does');
  });

  it('refuses a host that is not a domain name, before anything is made', async () => {
    const r = await api<ErrorBody>('POST', '/v1/apps', {
      name: 'ip',
      source: { git: { url: 'https://127.0.0.1/repo.git' } },
    });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'bad_request');
  });
});
