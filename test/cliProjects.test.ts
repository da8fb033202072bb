/**
 * `paddock app import|confirm|push|pull` (issue 24), the real binary against a real daemon: a
 * zip brought in under review and started with an edited sandbox.yaml; a private repository
 * imported with its token read from the environment, pushed to and pulled from.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import yazl from 'yazl';
import { runCli } from './cliRunner.js';
import { gitDaemonEnv, startGitServer, type GitServer } from './fixtures/git-server/gitServer.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';
import { waitFor } from './previewClient.js';
import { selfSignedCertificate } from './testCertificate.js';

const HOST = 'git.example.test';
const TOKEN = `ghs_${randomBytes(18).toString('hex')}`;

interface App {
  id: string;
  import: { state: string; detection: { kind: string; manifest: string } } | null;
  sandbox: { processes: { kind: string; health: string | null }[] };
}

describe('paddock app import, confirm, push and pull', () => {
  const dataDir = tempDataDir();
  const cert = selfSignedCertificate(HOST);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-cli-projects-'));
  let server: GitServer;
  let d: TestDaemon;
  const run = (args: string[], env: Record<string, string> = {}) =>
    runCli(args, { HOME: tmp, PADDOCK_URL: d.url, PADDOCK_TOKEN: d.token, ...env }, { cwd: tmp });

  before(async () => {
    server = await startGitServer({ host: HOST, key: cert.key, cert: cert.cert, token: TOKEN });
    server.createRepo('notes', [{ message: 'A page', files: { 'index.html': '<h1>Notes</h1>' } }]);
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
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('imports a zip under review, shows the proposal, and starts it with an edited sandbox.yaml', async () => {
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.from('<h1>From the CLI</h1>'), 'site/index.html');
    zip.end();
    const chunks: Buffer[] = [];
    for await (const c of zip.outputStream) chunks.push(c as Buffer);
    fs.writeFileSync(path.join(tmp, 'site.zip'), Buffer.concat(chunks));

    const imported = await run(['app', 'import', 'site.zip', '--name', 'cli site', '--review']);
    assert.equal(imported.code, 0, imported.stderr);
    const [id, name, state, kind] = imported.stdout.trim().split('\t');
    assert.deepEqual([name, state, kind], ['cli site', 'review', 'static']);
    assert.match(imported.stderr, /proposed sandbox\.yaml:/);

    const proposed = (await d.api<App>('GET', `/v1/apps/${id}`)).body.import!.detection.manifest;
    const port = /port: (\d+)/.exec(proposed)![1]!;
    fs.writeFileSync(path.join(tmp, 'sandbox.yaml'), proposed.replaceAll(port, '8282'));
    const bad = await run(['app', 'confirm', id!, '--manifest', 'site.zip']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /manifest_invalid/);
    const confirmed = await run(['app', 'confirm', id!, '--manifest', 'sandbox.yaml']);
    assert.equal(confirmed.code, 0, confirmed.stderr);
    assert.equal(confirmed.stdout.trim(), `${id}\tstarted`);
    await waitFor(
      'the confirmed import serves',
      async () => {
        const a = (await d.api<App>('GET', `/v1/apps/${id}`)).body;
        return a.sandbox.processes.find((p) => p.kind === 'web')?.health === 'ready'
          ? a
          : undefined;
      },
      120_000,
    );
  });

  it('imports a private repository with the token from the environment, then pushes and pulls', async () => {
    const imported = await run(
      ['app', 'import', '--git', server.url('notes'), '--name', 'notes', '--token-env', 'GT'],
      { GT: TOKEN },
    );
    assert.equal(imported.code, 0, imported.stderr);
    assert.ok(!imported.stdout.includes(TOKEN) && !imported.stderr.includes(TOKEN));
    const id = imported.stdout.split('\t')[0]!;

    const pushed = await run(['app', 'push', id, '--branch', 'from-cli']);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.equal(pushed.stdout.split('\t')[0], server.heads('notes')['from-cli']);

    server.commit('notes', 'main', { message: 'Remote edit', files: { 'b.txt': 'b' } });
    const pulled = await run(['app', 'pull', id, '--branch', 'main']);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.match(pulled.stdout, /\tchanged\t/);
    const again = await run(['app', 'pull', id, '--branch', 'main']);
    assert.match(again.stdout, /\tunchanged\t/);

    const missing = await run([
      'app',
      'import',
      '--git',
      server.url('notes'),
      '--name',
      'x',
      '--token-env',
      'NOPE',
    ]);
    assert.equal(missing.code, 2, 'a named variable that is not set is a usage error');
  });
});
