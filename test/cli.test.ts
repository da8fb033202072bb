import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, type CliRun as Run } from './cliRunner.js';
import { destroyEverything, startDaemon, type TestDaemon } from './harness.js';

describe('the paddock CLI', () => {
  let d: TestDaemon;
  let tmp: string;
  const run = (args: string[], env: Record<string, string> = {}, stdin?: Buffer): Promise<Run> =>
    runCli(
      args,
      { HOME: tmp, PADDOCK_URL: d.url, PADDOCK_TOKEN: d.token, ...env },
      stdin ? { stdin } : {},
    );

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
    assert.match(presets.stdout, /^react-vite\s/m);
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

  it("lists an app's checkpoints and forks one into a new app", async () => {
    const created = await run(['app', 'create', 'timeline', '--preset', 'static']);
    assert.equal(created.code, 0, created.stderr);
    const id = created.stdout.split('\t')[0]!;
    const got = JSON.parse((await run(['app', 'get', id, '--json'])).stdout) as {
      sandbox: { id: string };
    };
    const ran = await run([
      'task',
      'run',
      got.sandbox.id,
      '--script',
      'echo hi > hi.txt',
      '--follow',
    ]);
    assert.equal(ran.code, 0, ran.stderr);
    const task = /^(task[0-9a-z]+)\t/.exec(ran.stderr)![1]!;
    const ls = await run(['app', 'checkpoints', id]);
    assert.equal(ls.code, 0, ls.stderr);
    const lines = ls.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split('\t'));
    assert.deepEqual(
      lines.map((l) => [l[0]!.slice(0, 1), l[1], l[2], l[5]]),
      [
        ['*', 'task', task, `Paddock task ${task}`],
        [' ', 'baseline', '-', `Workspace before task ${task}`],
      ],
    );
    const fork = await run(['app', 'fork', id, lines[0]![0]!.slice(1), '--name', 'timeline fork']);
    assert.equal(fork.code, 0, fork.stderr);
    const [forkId, name] = fork.stdout.split('\t');
    assert.match(forkId!, /^app[0-9a-z]{26}$/);
    assert.equal(name, 'timeline fork');
    assert.equal((await run(['app', 'fork', id])).code, 2, 'usage');
    assert.equal((await run(['app', 'rm', id, forkId!, '--purge'])).code, 0);
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

describe('paddock pkg (local packages, no daemon)', () => {
  let tmp: string;
  const pkg = (args: string[], cwd?: string) =>
    runCli(['pkg', ...args], { HOME: tmp }, cwd === undefined ? {} : { cwd });
  const manifest = (fields: Record<string, unknown> = {}) =>
    `${JSON.stringify(
      {
        name: 'Notes',
        version: 2,
        version_label: '1.1.0',
        min_upgradable_version: 1,
        app_type: 'web',
        entry: 'index.html',
        description: 'Notes.',
        permissions: ['app.kv', 'network:https://api.example.com'],
        optional_permissions: [],
        ...fields,
      },
      null,
      2,
    )}\n`;
  /** An app directory with a manifest (no id yet), a page, a blob, node_modules and .git. */
  const appDir = (name: string): string => {
    const dir = path.join(tmp, name);
    fs.mkdirSync(path.join(dir, 'node_modules', 'dep'), { recursive: true });
    fs.mkdirSync(path.join(dir, '.git'));
    fs.writeFileSync(path.join(dir, 'paddock-app.json'), manifest());
    fs.writeFileSync(path.join(dir, 'index.html'), '<h1>Notes</h1>');
    // Random bytes deflate to themselves: a byte changed in the zip changes the file.
    fs.writeFileSync(
      path.join(dir, 'blob.bin'),
      Buffer.concat([Buffer.from('DATA'), randomBytes(4096)]),
    );
    fs.writeFileSync(path.join(dir, 'node_modules', 'dep', 'index.js'), 'x');
    fs.writeFileSync(path.join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    return dir;
  };

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-cli-pkg-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('builds: makes the key, sets the id when asked, packs, signs; verify and inspect agree', async () => {
    const dir = appDir('notes');
    const key = path.join(dir, 'notes.pem');
    const refused = await pkg(['build', dir, '--key', key]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /made a new app key in .*notes\.pem/);
    assert.equal(fs.statSync(key).mode & 0o777, 0o600);
    assert.match(refused.stderr, /has no valid id, but the key .* signs for [a-z2-7]{52}/);
    assert.match(refused.stderr, /--set-id/);

    const built = await pkg(['build', dir, '--key', key, '--set-id'], tmp);
    assert.equal(built.code, 0, built.stderr);
    assert.doesNotMatch(built.stderr, /made a new app key/);
    assert.match(built.stderr, /the key file is inside .*; it is left out/);
    const appId = /^app id\s+([a-z2-7]{52})$/m.exec(built.stdout)![1]!;
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'paddock-app.json'), 'utf8')).id, appId);
    assert.equal(built.stdout.split('\n')[0], 'Notes-2.paddockapp', 'NAME-VERSION in the cwd');
    const file = path.join(tmp, 'Notes-2.paddockapp');
    const digest = /^digest\s+([0-9a-f]{64})$/m.exec(built.stdout)![1]!;

    const verified = await pkg(['verify', file]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, new RegExp(`^app id\\s+${appId}$`, 'm'));
    assert.match(verified.stdout, /^version\s+2 \(1\.1\.0\)$/m);
    assert.match(verified.stdout, new RegExp(`^digest\\s+${digest}$`, 'm'));
    assert.match(verified.stdout, /^signature OK$/m);

    const inspected = await pkg(['inspect', file, '--json']);
    assert.equal(inspected.code, 0, inspected.stderr);
    const report = JSON.parse(inspected.stdout) as {
      manifest: { id: string };
      signed: boolean;
      scan: { files: number; scripts: number; network_origins: string[] };
      entries: { path: string }[];
    };
    assert.equal(report.manifest.id, appId);
    assert.equal(report.signed, true);
    assert.deepEqual(report.scan.network_origins, ['https://api.example.com']);
    assert.deepEqual(
      report.entries.map((e) => e.path),
      ['paddock-app.json', 'blob.bin', 'index.html', 'paddock-app.sig'],
      'no node_modules, .git or key',
    );
    const text = await pkg(['inspect', file]);
    assert.match(text.stdout, /^network\s+https:\/\/api\.example\.com$/m);
    assert.match(text.stdout, /^files\s+4, /m);

    // The same build again, into DIR itself: the earlier package there is not packed.
    const again = await pkg(['build', dir, '--key', key, '-o', path.join(dir, 'out.paddockapp')]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`^digest\\s+${digest}$`, 'm'));
  });

  it('prints manifest issues by line and column, and refuses a key of another app', async () => {
    const dir = appDir('bad');
    fs.writeFileSync(path.join(dir, 'paddock-app.json'), manifest({ version: 'two' }));
    const bad = await pkg(['build', dir, '--key', path.join(tmp, 'bad.pem')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /paddock-app\.json is not valid:\n/);
    assert.match(bad.stderr, /^ {2}3:14 version: must be integer$/m);
    assert.match(bad.stderr, /^ {2}1:1 \(top level\): missing id$/m);
    assert.equal(fs.existsSync(path.join(tmp, 'bad.pem')), false, 'no key for a bad manifest');

    fs.writeFileSync(path.join(dir, 'paddock-app.json'), manifest());
    const mine = path.join(tmp, 'mine.pem');
    assert.equal(
      (await pkg(['build', dir, '--key', mine, '--set-id', '-o', `${dir}.paddockapp`])).code,
      0,
    );
    const other = path.join(tmp, 'other.pem');
    await pkg([
      'build',
      appDir('other'),
      '--key',
      other,
      '--set-id',
      '-o',
      path.join(tmp, 'o.paddockapp'),
    ]);
    const wrong = await pkg(['build', dir, '--key', other]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /has the id [a-z2-7]{52}, but the key .*other\.pem signs for/);
    assert.equal((await pkg(['build', dir])).code, 2, 'usage: --key is required');
  });

  it('signs again, refuses a foreign key, and fails verification once a byte changed', async () => {
    const dir = appDir('sign');
    const key = path.join(tmp, 'sign.pem');
    const file = path.join(tmp, 'sign.paddockapp');
    assert.equal((await pkg(['build', dir, '--key', key, '--set-id', '-o', file])).code, 0);
    await pkg([
      'build',
      appDir('foreign'),
      '--key',
      path.join(tmp, 'foreign.pem'),
      '--set-id',
      '-o',
      path.join(tmp, 'f.paddockapp'),
    ]);

    const foreign = await pkg(['sign', file, '--key', path.join(tmp, 'foreign.pem')]);
    assert.equal(foreign.code, 1);
    assert.match(foreign.stderr, /package_id_mismatch/);
    const resigned = path.join(tmp, 'resigned.paddockapp');
    const signed = await pkg(['sign', file, '--key', key, '-o', resigned]);
    assert.equal(signed.code, 0, signed.stderr);
    assert.equal((await pkg(['verify', resigned])).code, 0);

    const bytes = fs.readFileSync(resigned);
    const blob = fs.readFileSync(path.join(dir, 'blob.bin'));
    const at = bytes.indexOf(blob.subarray(2000, 2064));
    assert.ok(at > 0, 'the blob is stored as it is');
    bytes.writeUInt8(bytes.readUInt8(at + 10) ^ 0xff, at + 10);
    const tampered = path.join(tmp, 'tampered.paddockapp');
    fs.writeFileSync(tampered, bytes);
    const failed = await pkg(['verify', tampered]);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /^paddock: package_signature_invalid: /m);
    assert.doesNotMatch(failed.stdout, /signature OK/);
  });

  it('checks the userspace and publish commands’ arguments before calling the daemon', async () => {
    // Nothing listens there: a usage error must come first.
    const env = { HOME: tmp, PADDOCK_URL: 'http://127.0.0.1:9', PADDOCK_TOKEN: 'pdk_unused' };
    for (const args of [
      ['userspace'],
      ['userspace', 'install'],
      ['userspace', 'install', 'http://example.com/a.paddockapp'],
      ['userspace', 'uninstall', 'a', 'b'],
      ['userspace', 'rollback', '--nope', 'x'],
      ['app', 'publish'],
    ]) {
      const r = await runCli(args, env);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    }
  });
});
