import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, destroyEverything, startDaemon, type TestDaemon } from './harness.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('the paddock CLI', () => {
  let d: TestDaemon;
  let tmp: string;
  const run = (args: string[], env: Record<string, string> = {}, stdin?: Buffer): Promise<Run> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [CLI, ...args], {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: tmp,
          PADDOCK_URL: d.url,
          PADDOCK_TOKEN: d.token,
          ...env,
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      child.stdin.end(stdin);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });

  before(async () => {
    d = await startDaemon();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-cli-'));
  });

  after(async () => {
    await d.stop();
    await destroyEverything(d.dataDir);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('creates, lists, links and removes an app', async () => {
    const presets = await run(['app', 'presets']);
    assert.equal(presets.code, 0, presets.stderr);
    assert.match(presets.stdout, /^react-vite\t/m);
    const created = await run(['app', 'create', 'site', '--preset', 'static']);
    assert.equal(created.code, 0, created.stderr);
    const [id, name, preset] = created.stdout.trim().split('\t');
    assert.match(id!, /^app[0-9a-z]{26}$/);
    assert.deepEqual([name, preset], ['site', 'static']);
    const ls = await run(['app', 'ls']);
    assert.ok(ls.stdout.includes(id!));
    const url = await run(['app', 'url', id!]);
    assert.equal(url.code, 0, url.stderr);
    assert.match(
      url.stdout,
      /^http:\/\/8080-sb[0-9a-z]{26}\.preview\.localhost:\d+\/\?paddock_token=/,
    );
    const bad = await run(['app', 'create', 'x', '--preset', 'cobol']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /preset_not_found/);
    assert.equal((await run(['app', 'create'])).code, 2, 'usage');
    const rm = await run(['app', 'rm', id!, '--purge']);
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal((await run(['app', 'get', id!])).code, 1);
  });

  it('runs a task and follows it to the end, then shows its diff', async () => {
    const sb = (await run(['sandbox', 'create'])).stdout.trim();
    const ran = await run([
      'task',
      'run',
      sb,
      '--script',
      'echo from-the-task; echo hello > greeting.txt',
      '--follow',
    ]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /from-the-task/);
    assert.match(ran.stderr, /succeeded exit=0 build=skipped/);
    const id = /^(task[0-9a-z]+)\t/.exec(ran.stderr)![1]!;
    const diff = await run(['task', 'diff', id]);
    assert.match(diff.stdout, /^\+hello$/m);
    const ls = await run(['task', 'ls', sb]);
    assert.ok(ls.stdout.includes(id));
    assert.equal((await run(['task', 'run', sb])).code, 2, 'usage');
    await run(['sandbox', 'rm', sb]);
  });

  it('snapshots a sandbox, exports it to a file and imports it back', async () => {
    const sb = (await run(['sandbox', 'create'])).stdout.trim();
    await run(['exec', sb, '--', 'sh', '-c', 'echo kept > /workspace/note.txt']);
    const created = await run(['snapshot', 'create', sb, 'before']);
    assert.equal(created.code, 0, created.stderr);
    const [id, status, name] = created.stdout.trim().split('\t');
    assert.match(id!, /^snp[0-9a-z]{26}$/);
    assert.deepEqual([status, name], ['ready', 'before']);
    const file = path.join(tmp, 'before.tar');
    const exported = await run(['snapshot', 'export', id!, '-o', file]);
    assert.equal(exported.code, 0, exported.stderr);
    const imported = await run(['snapshot', 'import', file, '--name', 'again']);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /^snp[0-9a-z]{26}\tready\tagain\t1 files/);
    assert.equal((await run(['snapshot', 'rm', id!])).code, 0);
    assert.equal((await run(['snapshot', 'get', id!])).code, 1);
    assert.equal((await run(['snapshot', 'restore', 'app0', id!])).code, 2, 'needs --yes');
    await run(['sandbox', 'rm', sb]);
  });

  it('creates, lists, execs in, copies files to and from, and removes a sandbox', async () => {
    const created = await run(['sandbox', 'create', '--memory', '256', '--meta', 'purpose=cli']);
    assert.equal(created.code, 0, created.stderr);
    const id = created.stdout.trim();
    assert.match(id, /^sb[0-9a-z]{26}$/);

    const ls = await run(['sandbox', 'ls']);
    assert.equal(ls.code, 0);
    assert.match(ls.stdout, new RegExp(`${id}\\s+running\\s+256M`));

    const shell = await run(['exec', id, '--', 'echo out; echo err >&2; exit 4']);
    assert.equal(shell.code, 4, 'exits with the command’s code');
    assert.equal(shell.stdout, 'out\n');
    assert.equal(shell.stderr, 'err\n');
    const argv = await run([
      'exec',
      id,
      '--env',
      'NAME=paddock',
      '--',
      'sh',
      '-c',
      'echo hi $NAME',
    ]);
    assert.equal(argv.code, 0);
    assert.equal(argv.stdout, 'hi paddock\n');

    const local = path.join(tmp, 'in.bin');
    const bytes = randomBytes(70_000);
    fs.writeFileSync(local, bytes);
    const putRes = await run(['files', 'put', id, local, 'copied/in.bin']);
    assert.equal(putRes.code, 0, putRes.stderr);
    const out = path.join(tmp, 'out.bin');
    const getRes = await run(['files', 'get', id, 'copied/in.bin', out]);
    assert.equal(getRes.code, 0, getRes.stderr);
    assert.ok(fs.readFileSync(out).equals(bytes));
    const piped = await run(
      ['files', 'put', id, '-', 'from-stdin.txt'],
      {},
      Buffer.from('piped\n'),
    );
    assert.equal(piped.code, 0, piped.stderr);
    const cat = await run(['files', 'get', id, 'from-stdin.txt']);
    assert.equal(cat.stdout, 'piped\n');

    const rm = await run(['sandbox', 'rm', id]);
    assert.equal(rm.code, 0);
    const missing = await run(['exec', id, '--', 'true']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /not_found/);
  });

  it('reads the URL and token from a config file and reports a bad token clearly', async () => {
    const config = path.join(tmp, 'config.json');
    fs.writeFileSync(config, JSON.stringify({ url: d.url, token: d.token }));
    const ok = await run(['sandbox', 'ls', '--json'], {
      PADDOCK_URL: '',
      PADDOCK_TOKEN: '',
      PADDOCK_CONFIG: config,
    });
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(Array.isArray(JSON.parse(ok.stdout)));
    const bad = await run(['sandbox', 'ls'], { PADDOCK_TOKEN: 'pdk_wrong' });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /unauthorized/);
    const usage = await run(['exec']);
    assert.equal(usage.code, 2);
  });
});
