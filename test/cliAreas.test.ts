import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { COMMANDS } from '../packages/cli/src/commandList.js';
import { runCli, type CliRun } from './cliRunner.js';
import { CLI, destroyEverything, startDaemon, type TestDaemon } from './harness.js';

/** The header line of a human table: its column names. */
function columns(out: string): string[] {
  return (out.split('\n')[0] ?? '').trim().split(/\s{2,}/);
}

/** Every id in a list, sorted: what a table's JSON and the API's answer must agree on. */
const ids = (items: { id: string }[]) => items.map((i) => i.id).sort();

describe('paddock: every area, as tables and as JSON', () => {
  let d: TestDaemon;
  let tmp: string;
  let appId: string;
  let sb: string;
  const run = (args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}) =>
    runCli(
      args,
      { HOME: tmp, PADDOCK_URL: d.url, PADDOCK_TOKEN: d.token, ...opts.env },
      opts.stdin === undefined ? {} : { stdin: Buffer.from(opts.stdin) },
    );
  const ok = async (args: string[], opts: { stdin?: string } = {}): Promise<CliRun> => {
    const r = await run(args, opts);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const json = async <T>(args: string[]): Promise<T> =>
    JSON.parse((await ok([...args, '--json'])).stdout) as T;
  const api = async <T>(p: string): Promise<T> => {
    const res = await d.api<T>('GET', p);
    assert.equal(res.status, 200, p);
    return res.body;
  };

  before(async () => {
    d = await startDaemon();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-cli-areas-'));
    const created = await json<{ id: string; sandbox: { id: string } }>([
      'app',
      'create',
      'areas',
      '--preset',
      'static',
    ]);
    appId = created.id;
    sb = created.sandbox.id;
    await ok(['task', 'run', sb, '--script', 'echo done > done.txt', '--follow']);
    await ok(['snapshot', 'create', sb, 'areas-snap']);
    await ok(['config', 'set', appId, 'GREETING', 'hello']);
    await ok(['egress', 'allow', appId, 'example.com']);
    await ok(['keys', 'create', 'lister']);
  });

  after(async () => {
    await d.stop();
    await destroyEverything(d.dataDir);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('prints each list as a table with its columns, and its JSON as the API answers', async () => {
    type Item = { id: string };
    /** The JSON lists the same things as the API's page at `p`. */
    const sameIds = (p: string) => async (got: unknown) =>
      assert.deepEqual(ids(got as Item[]), ids((await api<{ items: Item[] }>(p)).items));
    const cases: {
      args: string[];
      header: string[];
      same: (got: unknown) => Promise<void>;
    }[] = [
      {
        args: ['app', 'ls'],
        header: ['ID', 'NAME', 'PRESET', 'SANDBOX', 'STATUS'],
        same: sameIds('/v1/apps'),
      },
      {
        args: ['app', 'presets'],
        header: ['NAME', 'TITLE'],
        same: async (got) =>
          assert.deepEqual(got, (await api<{ items: unknown[] }>('/v1/presets')).items),
      },
      {
        args: ['sandbox', 'ls'],
        header: ['ID', 'STATUS', 'MEMORY', 'CPUS', 'CREATED'],
        same: sameIds('/v1/sandboxes'),
      },
      {
        args: ['processes', 'ls', sb],
        header: ['NAME', 'KIND', 'STATUS', 'PID', 'RESTARTS', 'HEALTH', 'SINCE'],
        same: async (got) =>
          assert.deepEqual(
            (got as { name: string }[]).map((p) => p.name),
            (await api<{ items: { name: string }[] }>(`/v1/sandboxes/${sb}/processes`)).items.map(
              (p) => p.name,
            ),
          ),
      },
      {
        args: ['task', 'ls', sb],
        header: ['ID', 'PROVIDER', 'STATUS', 'CREATED', 'CHECKPOINT'],
        same: sameIds(`/v1/sandboxes/${sb}/tasks`),
      },
      {
        args: ['snapshot', 'ls', appId],
        header: ['ID', 'STATUS', 'NAME', 'FILES', 'BYTES', 'CREATED'],
        same: sameIds(`/v1/apps/${appId}/snapshots`),
      },
      {
        args: ['config', 'ls', appId],
        header: ['KEY', 'VALUE', 'ACCESS'],
        same: async (got) =>
          assert.deepEqual(
            got,
            (await api<{ items: unknown[] }>(`/v1/apps/${appId}/config`)).items,
          ),
      },
      {
        args: ['egress', 'get', appId],
        header: ['HOST', 'ACTION', 'SOURCE'],
        same: async (got) => assert.deepEqual(got, await api(`/v1/apps/${appId}/egress`)),
      },
      {
        args: ['settings', 'get'],
        header: ['SETTING', 'VALUE', 'SOURCE'],
        same: async (got) => assert.deepEqual(got, await api('/v1/settings')),
      },
      {
        args: ['keys', 'ls'],
        header: ['ID', 'NAME', 'OWNER', 'ROLE', 'PREFIX', 'LAST USED'],
        same: sameIds('/v1/api-keys'),
      },
      {
        args: ['audit', 'ls', '--action', 'config.*'],
        header: ['AT', 'ACTION', 'OUTCOME', 'OWNER', 'TARGET'],
        same: async (got) =>
          assert.deepEqual(
            ids((got as { items: Item[] }).items),
            ids((await api<{ items: Item[] }>('/v1/audit?action=config.*')).items),
          ),
      },
      {
        args: ['files', 'ls', sb],
        header: ['TYPE', 'SIZE', 'PATH'],
        same: async (got) =>
          assert.deepEqual(got, await api(`/v1/sandboxes/${sb}/files/list?path=.&depth=1`)),
      },
    ];
    for (const c of cases) {
      const human = await ok(c.args);
      assert.deepEqual(columns(human.stdout), c.header, c.args.join(' '));
      assert.ok(human.stdout.trim().split('\n').length > 1, `${c.args.join(' ')} has rows`);
      await c.same(await json(c.args));
    }
  });

  it('waits for an app to serve with --wait, and prints it once it does', async () => {
    const waited = await json<{ id: string; sandbox: { preview: { status: string } } }>([
      'app',
      'create',
      'waited',
      '--preset',
      'static',
      '--wait',
    ]);
    assert.equal(waited.sandbox.preview.status, 'ready');
    await ok([
      'sandbox',
      'stop',
      (await api<{ sandbox: { id: string } }>(`/v1/apps/${waited.id}`)).sandbox.id,
    ]);
    const woke = await ok(['app', 'wake', waited.id, '--wait']);
    assert.match(woke.stdout, new RegExp(`^${waited.id}\\twaited\\tstatic\\trunning/ready$`, 'm'));
    await ok(['app', 'rm', waited.id, '--purge']);
  });

  it('takes a secret from stdin only, and never prints it', async () => {
    const secret = 'hunter2-not-for-printing';
    const set = await ok(['config', 'set', appId, 'API_TOKEN', '--secret'], {
      stdin: `${secret}\n`,
    });
    const ls = await ok(['config', 'ls', appId]);
    const lsJson = await ok(['config', 'ls', appId, '--json']);
    for (const out of [set, ls, lsJson]) assert.ok(!(out.stdout + out.stderr).includes(secret));
    assert.match(ls.stdout, /^API_TOKEN\s+\(secret, set\)/m);
    const inArgv = await run(['config', 'set', appId, 'API_TOKEN', secret, '--secret']);
    assert.equal(inArgv.code, 2, 'a secret on the command line is refused');
    // A plain value is replaced in place.
    await ok(['config', 'set', appId, 'GREETING', 'hi again']);
    const entries = await json<{ key: string; value?: string }[]>(['config', 'ls', appId]);
    assert.equal(entries.find((e) => e.key === 'GREETING')?.value, 'hi again');
    await ok(['config', 'rm', appId, 'GREETING']);
    // A model key: sealed, for agent tasks, injected by the egress proxy for one host.
    await ok(
      ['config', 'set', appId, 'MODEL_KEY', '--secret', '--access', 'agent_access'].concat([
        '--inject-host',
        'api.example.com',
        '--inject-header',
        'x-api-key',
      ]),
      { stdin: `${secret}\n` },
    );
    const model = (
      await json<{ key: string; access_policy: string; inject: unknown }[]>(['config', 'ls', appId])
    ).find((e) => e.key === 'MODEL_KEY');
    assert.equal(model?.access_policy, 'agent_access');
    assert.deepEqual(model?.inject, {
      hosts: ['api.example.com'],
      header: 'x-api-key',
      format: '{value}',
    });
    const half = await run(['config', 'set', appId, 'X', 'v', '--inject-host', 'a.example.com']);
    assert.equal(half.code, 2, 'an injection needs a header too');
  });

  it('allows and denies egress hosts for an app and a sandbox, and lists denials', async () => {
    const allowed = await json<{ allow: string[] }>(['egress', 'allow', appId, 'api.example.com']);
    assert.ok(allowed.allow.includes('api.example.com'));
    const denied = await json<{ allow: string[]; deny: string[] }>([
      'egress',
      'deny',
      appId,
      'api.example.com',
    ]);
    assert.deepEqual(
      [denied.allow.includes('api.example.com'), denied.deny],
      [false, ['api.example.com']],
    );
    const standalone = (await ok(['sandbox', 'create'])).stdout.trim();
    const sbPolicy = await json<{ allow: string[] }>([
      'egress',
      'allow',
      standalone,
      'example.org',
    ]);
    assert.deepEqual(sbPolicy.allow, ['example.org']);
    assert.deepEqual(
      await json(['egress', 'denials', standalone]),
      await api(`/v1/sandboxes/${standalone}/egress/denials`),
    );
    await ok(['sandbox', 'rm', standalone]);
  });

  it('changes a setting, creates, lists and revokes an API key, exports the audit log', async () => {
    const changed = await json<{ idle_stop_seconds: number; sources: Record<string, string> }>([
      'settings',
      'set',
      'idle_stop_seconds=1200',
    ]);
    assert.deepEqual(
      [changed.idle_stop_seconds, changed.sources.idle_stop_seconds],
      [1200, 'stored'],
    );
    const one = await ok(['settings', 'get', 'idle_stop_seconds']);
    assert.match(one.stdout, /^idle_stop_seconds\s+1200\s+stored$/m);

    const created = await ok(['keys', 'create', 'ci', '--role', 'agent']);
    const token = created.stdout.trim();
    assert.match(token, /^pdk_/, 'the token alone on stdout');
    assert.match(created.stderr, /shown this once/);
    const whoami = await runCli(['keys', 'ls', '--json'], {
      HOME: tmp,
      PADDOCK_URL: d.url,
      PADDOCK_TOKEN: token,
    });
    assert.equal(whoami.code, 0, whoami.stderr);
    const keyId = (await json<{ id: string; name: string }[]>(['keys', 'ls'])).find(
      (k) => k.name === 'ci',
    )!.id;
    await ok(['keys', 'revoke', keyId]);
    const refused = await runCli(['keys', 'ls'], {
      HOME: tmp,
      PADDOCK_URL: d.url,
      PADDOCK_TOKEN: token,
    });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^paddock: unauthorized: /m);

    const file = path.join(tmp, 'audit.jsonl');
    await ok(['audit', 'export', '--action', 'api_key.*', '-o', file]);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    const actions = lines.map((l) => (JSON.parse(l) as { action: string }).action);
    assert.ok(actions.length > 0 && actions.every((a) => a.startsWith('api_key.')), actions.join());
  });

  it('reads logs, prints and opens the preview URL, and opens a shell by the top-level alias', async () => {
    const [proc] = await json<{ name: string }[]>(['processes', 'ls', sb]);
    const logs = await json<{ output: string; truncated: boolean }>(['logs', sb, proc!.name]);
    assert.match(logs.output, /Serving .* on http/);
    assert.equal((await ok(['logs', sb, proc!.name])).stdout, logs.output);
    // -f follows the stream: the tail comes first; the process is stopped once it is seen.
    const follower = spawn(process.execPath, [CLI, 'logs', sb, proc!.name, '-f'], {
      env: { PATH: process.env.PATH ?? '', HOME: tmp, PADDOCK_URL: d.url, PADDOCK_TOKEN: d.token },
    });
    let followed = '';
    await new Promise<void>((resolve, reject) => {
      follower.stdout.on('data', (b: Buffer) => {
        followed += b.toString();
        if (/Serving/.test(followed)) resolve();
      });
      follower.once('exit', (code) => reject(new Error(`logs -f ended (${code}): ${followed}`)));
    });
    follower.kill();
    const printed = await ok(['open', appId, '--print']);
    assert.match(printed.stdout, /^http:\/\/8080-sb[0-9a-z]{26}\.preview\.localhost:\d+\//);
    const noOpener = await run(['open', appId], { env: { PATH: '/nonexistent' } });
    assert.equal(noOpener.code, 0, noOpener.stderr);
    assert.match(noOpener.stdout, /^http:\/\/8080-sb/, 'no opener: the URL is printed');
    const shell = await run(['shell', sb], { stdin: 'echo from-the-shell\nexit 5\n' });
    assert.match(shell.stdout, /from-the-shell/);
    assert.equal(shell.code, 5, shell.stderr);
  });

  it('exits with what each outcome means', async () => {
    const passed = await run(['exec', sb, '--', 'echo out; exit 7']);
    assert.deepEqual([passed.code, passed.stdout], [7, 'out\n'], "exec passes the command's code");
    const asJson = await run(['exec', sb, '--json', '--', 'echo out; exit 7']);
    assert.equal(asJson.code, 7);
    const result = JSON.parse(asJson.stdout) as { exit_code: number; stdout: string };
    assert.deepEqual([result.exit_code, result.stdout], [7, 'out\n']);

    const failedTask = await run([
      'task',
      'run',
      sb,
      '--script',
      'echo trying; exit 3',
      '--follow',
    ]);
    assert.equal(failedTask.code, 1, 'a task that did not succeed');
    assert.match(failedTask.stdout, /trying/);
    assert.match(failedTask.stderr, /\tfailed/);
    const task = await run(['task', 'run', sb, '--script', 'echo fine', '--follow', '--json']);
    assert.equal(task.code, 0, task.stderr);
    assert.equal((JSON.parse(task.stdout) as { status: string }).status, 'succeeded');
    assert.match(task.stderr, /fine/, 'with --json the log goes to stderr');

    for (const args of [
      ['sandbox', 'frobnicate'],
      ['config', 'ls'],
      ['files', 'get', sb, 'done.txt', '--json'],
      ['sandbox', 'ls', '--no-such-flag'],
      ['nonsense'],
    ]) {
      const r = await run(args);
      assert.equal(r.code, 2, `${args.join(' ')} is a usage error: ${r.stderr}`);
    }
    const missing = await run(['sandbox', 'get', 'sb00000000000000000000000000']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^paddock: not_found: /m);
  });
});

describe('paddock --help and completion, from the one command table', () => {
  const cli = (args: string[]) => runCli(args, { HOME: os.tmpdir() });

  it('has help with an example for every command and subcommand', async () => {
    const overview = await cli(['--help']);
    assert.equal(overview.code, 0);
    assert.match(overview.stdout, /exit codes:/);
    for (const c of COMMANDS) {
      assert.match(overview.stdout, new RegExp(`^  ${c.name}\\s`, 'm'));
      const help = await cli([c.name, '--help']);
      assert.equal(help.code, 0, c.name);
      for (const s of c.subcommands ?? []) {
        assert.ok(
          s.example.startsWith('paddock ') || s.example.includes('paddock '),
          `${c.name} ${s.name}`,
        );
        assert.ok(help.stdout.includes(`e.g. ${s.example}`), `${c.name} ${s.name} example`);
      }
      if (!c.subcommands) assert.ok(help.stdout.includes(c.example!), `${c.name} example`);
    }
    const sub = await cli(['config', 'set', '--help']);
    assert.match(sub.stdout, /^usage: paddock config set APP KEY \[VALUE\] \[--secret\]/m);
    assert.match(
      sub.stdout,
      /^flags: --secret --access --inject-host --inject-header --inject-format --json --help$/m,
    );
    assert.match(sub.stdout, /^example:\n {2}printf/m);
  });

  it('prints a bash script that parses and completes commands, subcommands and flags', async () => {
    const script = await cli(['completion', 'bash']);
    assert.equal(script.code, 0, script.stderr);
    const file = path.join(os.tmpdir(), `paddock-completion-${process.pid}.bash`);
    fs.writeFileSync(file, script.stdout);
    try {
      execFileSync('bash', ['-n', file]);
      const complete = (words: string[]) =>
        execFileSync('bash', [
          '-c',
          `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${
            words.length - 1
          }; _paddock; echo "\${COMPREPLY[@]}"`,
        ])
          .toString()
          .trim()
          .split(' ')
          .filter(Boolean);
      assert.deepEqual(
        complete(['paddock', '']).sort(),
        [...COMMANDS.flatMap((c) => [c.name, ...(c.aliases ?? [])]), 'help'].sort(),
      );
      assert.deepEqual(complete(['paddock', 'config', '']), ['ls', 'set', 'rm']);
      assert.deepEqual(complete(['paddock', 'config', 'set', 'app1', 'K', '--s']), ['--secret']);
      assert.deepEqual(complete(['paddock', 'logs', 'sb1', 'web', '-']).sort(), [
        '--help',
        '--json',
        '--tail',
        '-f',
      ]);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  it('prints a zsh script that zsh parses', async () => {
    const script = await cli(['completion', 'zsh']);
    assert.equal(script.code, 0, script.stderr);
    for (const c of COMMANDS) assert.ok(script.stdout.includes(`'${c.name}:`), c.name);
    const file = path.join(os.tmpdir(), `paddock-completion-${process.pid}.zsh`);
    fs.writeFileSync(file, script.stdout);
    try {
      execFileSync('zsh', ['-n', file]);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
