// Each real agent CLI (Claude Code, Codex, opencode), pinned as Paddock pins it, run by a real
// task in a real sandbox, its model traffic through the egress proxy to the scripted model
// server: a test stand-in for the model APIs, on loopback, that plays a script of tool calls.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SseParser, type BrokerResult, type Task } from '@paddock/shared';
import { brokerCall, type BrokerAnswer } from './brokerClient.js';
import { startNpmRegistry, type NpmRegistry } from './fixtures/npm-registry/npmRegistry.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';
import { openPreview, previewGet, waitFor } from './previewClient.js';
import { codexPlay } from './scriptedModel/codexPlay.js';
import type { Play } from './scriptedModel/play.js';
import {
  ADDED_FILE,
  APP_FILE,
  CHANGED_FILES,
  OLD_HEADING,
  PROBE_FILE,
  PROBE_PACKAGE,
  PROBE_TEXT,
  SHELL_FILE,
  addedText,
  claudeCodePlay,
  newHeading,
  opencodePlay,
  shellCommand,
  type Edit,
} from './scriptedModel/plays.js';
import { ScriptedModelServer, type Behaviour } from './scriptedModel/server.js';
import { RECHECK, SCRIPTED_FOR, type ScriptedCli } from './scriptedModel/versions.js';
import { selfSignedCertificate } from './testCertificate.js';
import { generateAppKey, makePackage, packageScratch, upload } from './userspacePackages.js';

const ROOT = path.resolve(import.meta.dirname, '..');

interface App {
  id: string;
  sandbox: { id: string; preview: { url: string } };
}

describe('the scripted model server and the pinned agent CLIs', () => {
  it('is written for the CLI versions Paddock pins (re-check it when a pin moves)', () => {
    for (const [tool, { package: name, version }] of Object.entries(SCRIPTED_FOR)) {
      const file = path.join(ROOT, 'packages/presets/tools', tool, 'package.json');
      const pinned = (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>)
        .dependencies as Record<string, string>;
      assert.equal(
        pinned[name],
        version,
        `${file} pins ${name}@${pinned[name]}, but the scripted model server was written for ` +
          `${version}: ${RECHECK[tool as ScriptedCli]}; then set SCRIPTED_FOR in ` +
          'test/scriptedModel/versions.ts and the findings in test/scriptedModel/README.md.',
      );
    }
  });
});

/** Planted keys: the only ones the scripted model server accepts. */
const ANTHROPIC_KEY = `sk-ant-scripted-${randomBytes(16).toString('hex')}`;
const OPENAI_KEY = `sk-openai-scripted-${randomBytes(16).toString('hex')}`;
const KEYS = [ANTHROPIC_KEY, OPENAI_KEY];

const PLAYS: Record<ScriptedCli, (edit: Edit) => Play> = {
  'claude-code': claudeCodePlay,
  codex: codexPlay,
  opencode: opencodePlay,
};
/** The process name each CLI runs as in the sandbox. */
const PROCESS: Record<ScriptedCli, RegExp> = {
  'claude-code': /claude-code-linux-\w+\/claude/,
  codex: /codex/,
  opencode: /opencode-linux-\w+\/bin\/opencode/,
};
const API_OF: Record<ScriptedCli, 'anthropic' | 'openai'> = {
  'claude-code': 'anthropic',
  codex: 'openai',
  opencode: 'anthropic',
};

/** How long each kind of task may run: the first one of a CLI also installs it into the cache. */
const FIRST_TASK_SECONDS = 900;
const TASK_SECONDS = 120;
/**
 * Failing tasks get longer: opencode retries 429, 500 and cut streams for about 90 seconds
 * (backoff up to 30 s, no knob found), Codex for 20-50 s (its request and stream retries).
 */
const FAILING_TASK_SECONDS = 300;

/** Timings for the report, printed at the end (numbers only, never a header). */
const timings: string[] = [];

describe('agent CLIs for real in sandboxes, on a scripted model server', () => {
  const dataDir = tempDataDir();
  // The npm registry the plays install from (verdaccio on loopback, as registry.npmjs.org):
  // its TLS passes the egress proxy untouched, so sandboxes trust its certificate themselves.
  const npmCert = selfSignedCertificate('registry.npmjs.org');
  const npmCa = path.join(dataDir, '..', `${path.basename(dataDir)}-registry.pem`);
  let npm: NpmRegistry | undefined;
  let model: ScriptedModelServer;
  let d: TestDaemon;

  before(async () => {
    model = await ScriptedModelServer.start({ anthropicKey: ANTHROPIC_KEY, openaiKey: OPENAI_KEY });
    npm = await startNpmRegistry({ host: 'registry.npmjs.org', ...npmCert });
    await npm.publish({
      name: PROBE_PACKAGE,
      version: '1.0.0',
      files: { 'index.js': `module.exports = ${JSON.stringify(PROBE_TEXT)};\n` },
    });
    fs.writeFileSync(npmCa, npmCert.cert);
    d = await startDaemon({
      dataDir,
      env: {
        PADDOCK_EGRESS_RESOLVE: `${model.resolve},registry.npmjs.org=127.0.0.1:${npm.port}`,
        PADDOCK_EGRESS_UPSTREAM_CA: model.caFile,
        PADDOCK_SANDBOX_EXTRA_CA: npmCa,
      },
    });
  });
  after(async () => {
    await d?.stop();
    await destroyEverything(dataDir);
    await model?.close();
    await npm?.close();
    npmCert.remove();
    fs.rmSync(npmCa, { force: true });
    fs.rmSync(packageScratch, { recursive: true, force: true });
    if (timings.length > 0) console.log(`[agent CLI timings]\n${timings.join('\n')}`);
  });

  const get = async (id: string) => (await d.api<Task>('GET', `/v1/tasks/${id}`)).body;
  const finished = (id: string, seconds: number) =>
    waitFor(
      `task ${id} to end`,
      async () => {
        const t = await get(id);
        return ['queued', 'running'].includes(t.status) ? undefined : t;
      },
      (seconds + 120) * 1000,
    );
  const text = async (p: string) =>
    (await fetch(`${d.url}${p}`, { headers: { authorization: `Bearer ${d.token}` } })).text();
  const sh = async (sb: string, command: string) =>
    (
      await d.api<{ stdout: string; stderr: string; exit_code: number }>(
        'POST',
        `/v1/sandboxes/${sb}/exec`,
        { command, timeout_ms: 30_000 },
      )
    ).body;
  const start = async (sb: string, cli: string, seconds: number) => {
    const res = await d.api<Task>('POST', `/v1/sandboxes/${sb}/tasks`, {
      provider: cli,
      input: { prompt: `Change the heading of ${APP_FILE}, add ${ADDED_FILE}, run a command.` },
      timeout_seconds: seconds,
    });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    return res.body;
  };
  const noKeyIn = (what: string, haystack: string) => {
    for (const key of KEYS) assert.ok(!haystack.includes(key), `the planted key is in ${what}`);
  };

  /** A react-vite app whose agent config holds both planted keys, as sealed injected secrets. */
  const agentApp = async (name: string): Promise<App> => {
    const app = (await d.api<App>('POST', '/v1/apps', { name, preset: 'react-vite' })).body;
    const entries = [
      {
        key: 'ANTHROPIC_API_KEY',
        value: ANTHROPIC_KEY,
        sensitive: true,
        access_policy: 'agent_access',
        inject: { hosts: ['api.anthropic.com'], header: 'x-api-key', format: '{value}' },
      },
      {
        key: 'CODEX_API_KEY',
        value: OPENAI_KEY,
        sensitive: true,
        access_policy: 'agent_access',
        inject: { hosts: ['api.openai.com'], header: 'Authorization', format: 'Bearer {value}' },
      },
      // Claude Code's own retry knob: one retry, so errors end the task soon.
      { key: 'CLAUDE_CODE_MAX_RETRIES', value: '1', access_policy: 'agent_access' },
    ];
    for (const entry of entries) {
      const res = await d.api('POST', `/v1/apps/${app.id}/config`, entry);
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    const egress = await d.api('PUT', `/v1/apps/${app.id}/egress`, {
      allow: ['api.anthropic.com', 'api.openai.com'],
      deny: [],
    });
    assert.equal(egress.status, 200, JSON.stringify(egress.body));
    return app;
  };

  /** Runs `cli` with the model answering `behaviour` every time; checks the failure it makes. */
  const failingTask = async (
    cli: ScriptedCli,
    app: App,
    behaviour: Behaviour,
    why: RegExp,
    seconds = FAILING_TASK_SECONDS,
  ) => {
    const since = Date.now();
    model.script(PLAYS[cli]({ workspace: '/workspace', by: cli }), behaviour);
    const task = await start(app.sandbox.id, cli, seconds);
    const done = await finished(task.id, seconds);
    const log = await text(`/v1/tasks/${done.id}/stream`);
    const asked = model.modelRequests(since);
    assert.ok(asked.length > 0, `the CLI asked the scripted model server: ${model.summary(since)}`);
    if (behaviour.kind !== 'play') {
      const expected = behaviour.kind === 'status' ? `status ${behaviour.status}` : behaviour.kind;
      assert.ok(
        asked.every((r) => r.answered === expected),
        model.summary(since),
      );
    }
    assert.equal(done.status, 'failed', `${done.status}: ${done.status_reason}\n${log}`);
    assert.match(log, why, `the log says why:\n${log}`);
    assert.match(done.result?.checkpoint ?? '', /^[0-9a-f]{40}$/, 'a checkpoint was left');
    noKeyIn('the task log', log);
    if (process.env.AGENT_CLI_LOGS) console.log(`[${cli} ${JSON.stringify(behaviour)}]\n${log}`);
    return { done, log, asked, since };
  };

  for (const cli of Object.keys(PLAYS) as ScriptedCli[]) {
    describe(cli, () => {
      let app: App;
      let sb: string;
      before(async () => {
        app = await agentApp(`cli-${cli}`);
        sb = app.sandbox.id;
      });

      it(`${cli} fails, saying why, when the scripted model server refuses its key (401)`, async () => {
        // The first task of a CLI on this host installs it into the shared tool cache.
        const wrong = `${cli === 'codex' ? 'CODEX' : 'ANTHROPIC'}_API_KEY`;
        await d.api('PATCH', `/v1/apps/${app.id}/config/${wrong}`, {
          value: 'sk-not-the-planted-key',
        });
        try {
          const { asked } = await failingTask(
            cli,
            app,
            { kind: 'play' },
            /401|authenticat|api.?key|unauthorized/i,
            FIRST_TASK_SECONDS,
          );
          assert.ok(
            asked.every((r) => r.answered === 'unauthorized' || r.answered === 'no websocket'),
          );
        } finally {
          const key = cli === 'codex' ? OPENAI_KEY : ANTHROPIC_KEY;
          await d.api('PATCH', `/v1/apps/${app.id}/config/${wrong}`, { value: key });
        }
      });

      it(`${cli} edits, builds and previews a react-vite app on the scripted model server's word, never holding the key`, async () => {
        const since = Date.now();
        model.script(PLAYS[cli]({ workspace: '/workspace', by: cli }));
        const task = await start(sb, cli, TASK_SECONDS);
        const done = await finished(task.id, TASK_SECONDS);
        const log = await text(`/v1/tasks/${done.id}/stream`);
        assert.equal(
          done.status,
          'succeeded',
          `${done.status_reason}\n${log}\n${model.summary(since)}`,
        );
        const r = done.result!;
        assert.equal(r.exit_code, 0);
        assert.equal(r.build_status, 'passed', 'tsc -b && vite build');
        assert.equal(r.app_healthy, true);
        assert.equal(r.preview_ok, true);
        const changed = r.files_changed.map((f) => f.path).sort();
        assert.deepEqual(changed, CHANGED_FILES, log);
        assert.ok(r.usage && r.usage.output_tokens > 0, `the model usage: ${JSON.stringify(r)}`);

        const diff = await text(`/v1/tasks/${done.id}/diff`);
        assert.match(diff, new RegExp(`^-.*${OLD_HEADING.replace(/[+]/g, '\\+')}`, 'm'));
        assert.match(diff, new RegExp(`^\\+.*${newHeading(cli)}`, 'm'));
        assert.match(diff, new RegExp(`^\\+${addedText(cli).trim()}`, 'm'));
        assert.equal((await sh(sb, `cat ${SHELL_FILE}`)).stdout.trim(), cli, shellCommand(cli));
        // It added a dependency from the registry, through the proxy, and used it.
        assert.equal((await sh(sb, `cat ${PROBE_FILE}`)).stdout.trim(), PROBE_TEXT);
        assert.match((await sh(sb, 'cat package.json')).stdout, /"paddock-probe": "\^1\.0\.0"/);

        // The preview serves the changed app (Vite serves the module as it now is).
        const fresh = (await d.api<App>('GET', `/v1/apps/${app.id}`)).body;
        const { cookie } = await openPreview(d.url, fresh.sandbox.preview.url);
        const module = await previewGet(d.url, fresh.sandbox.preview.url, {
          cookie,
          path: `/${APP_FILE}`,
        });
        assert.equal(module.status, 200);
        assert.match(module.body, new RegExp(newHeading(cli)));

        // The key went to the model API, in the right header, put there by the egress proxy.
        const asked = model.modelRequests(since);
        assert.ok(asked.length >= 2, model.summary(since));
        const api = API_OF[cli];
        for (const request of asked) {
          assert.equal(request.api, api);
          // The proxy names the port it was resolved to (PADDOCK_EGRESS_RESOLVE).
          assert.match(String(request.headers.host), new RegExp(`^api\\.${api}\\.com(:\\d+)?$`));
          if (api === 'anthropic') assert.ok(request.headers['x-api-key'] === ANTHROPIC_KEY);
          else assert.ok(request.headers.authorization === `Bearer ${OPENAI_KEY}`);
          assert.equal(request.answered, 'play');
        }
        // …and nowhere the sandbox or the log can see.
        noKeyIn('the task log', log);
        noKeyIn('the sandbox environment', (await sh(sb, 'env')).stdout);
        const grep = await sh(
          sb,
          `grep -rlF --exclude-dir=node_modules -e '${ANTHROPIC_KEY.slice(-32)}' -e '${OPENAI_KEY.slice(-32)}' /workspace /tmp; true`,
        );
        assert.equal(grep.stdout.trim(), '', 'no file in the sandbox holds a planted key');
        noKeyIn("the daemon's log", d.output());

        // What else the CLI tried to reach (refused by default-deny egress), for the report.
        const events = await d.api<{ items: { type: string; payload: { host?: string } }[] }>(
          'GET',
          `/v1/sandboxes/${sb}/events?limit=500`,
        );
        const denied = [
          ...new Set(
            events.body.items.filter((e) => e.type === 'egress.denied').map((e) => e.payload.host),
          ),
        ];
        const started = Date.parse(done.started_at!);
        const first = model.requests.find((q) => q.at >= started && q.api !== 'other');
        const firstPost = asked[0]!;
        timings.push(
          `${cli}: first model request ${first!.at - started} ms after the task started` +
            (first === firstPost ? '' : ` (first POST ${firstPost.at - started} ms)`) +
            `; whole task ${Date.parse(done.ended_at!) - started} ms (agent run + checkpoint + build + health: duration_ms ${r.duration_ms}); ` +
            `${asked.length} model requests; egress refused: ${denied.join(', ') || 'nothing'}`,
        );
      });

      it(`${cli} fails, saying why, when the scripted model server is rate limited (429)`, async () => {
        await failingTask(cli, app, { kind: 'status', status: 429 }, /429|rate.?limit/i);
      });

      it(`${cli} fails, saying why, when the scripted model server errs (500)`, async () => {
        await failingTask(
          cli,
          app,
          { kind: 'status', status: 500 },
          /500|internal server error|high demand/i,
        );
      });

      it(`${cli} fails, saying why, when the scripted model server's stream stops midway`, async () => {
        await failingTask(
          cli,
          app,
          { kind: 'cut' },
          /stream|connection|terminated|closed|disconnect|socket|ECONNRESET/i,
        );
      });

      it(`${cli} is canceled while it waits on a stalled scripted model stream, leaving no process`, async () => {
        model.script(PLAYS[cli]({ workspace: '/workspace', by: cli }), { kind: 'stall' });
        const task = await start(sb, cli, TASK_SECONDS);
        await waitFor(
          'the CLI to wait on the stalled stream',
          async () => model.stalledStreams > 0,
          90_000,
        );
        // While it runs: its process, its arguments and its environment hold no key, only the
        // placeholder the egress proxy swaps.
        const ps = await sh(sb, 'ps -eo pid,args');
        assert.match(ps.stdout, PROCESS[cli], ps.stdout);
        noKeyIn('the process list', ps.stdout);
        const environ = await sh(
          sb,
          "for f in /proc/[0-9]*/environ; do tr '\\0' '\\n' < $f; done 2>/dev/null; true",
        );
        assert.match(environ.stdout, /paddock-secret:(ANTHROPIC|CODEX)_API_KEY/);
        noKeyIn("the CLI's environment", environ.stdout);

        const cancel = await d.api<Task>('POST', `/v1/tasks/${task.id}/cancel`);
        assert.equal(cancel.status, 200);
        const done = await finished(task.id, TASK_SECONDS);
        assert.equal(done.status, 'canceled', done.status_reason ?? '');
        await waitFor(
          'no CLI process left in the sandbox',
          async () => !PROCESS[cli].test((await sh(sb, 'ps -eo args')).stdout),
          15_000,
        );
        noKeyIn('the task log', await text(`/v1/tasks/${done.id}/stream`));
        model.script(undefined);
      });

      after(async () => {
        if (app) await d.api('DELETE', `/v1/apps/${app.id}`);
      });
    });
  }

  it('a userspace app starts a claude-code task through app.agent and reads it back to its end, never seeing the key', async () => {
    const app = await agentApp('app-agent');
    try {
      // Two installed apps holding app.agent, each called as its window (the launch route's
      // app session): one starts the task, the other may not read it.
      const caller = async (name: string) => {
        const key = generateAppKey();
        const pkg = await makePackage({
          key,
          version: 1,
          name,
          optional_permissions: ['app.agent'],
        });
        const installed = await upload(d.url, d.token, pkg.bytes);
        assert.ok([200, 201].includes(installed.status), JSON.stringify(installed.body));
        const grant = await d.api('POST', `/v1/userspace-apps/${key.appId}/permissions`, {
          grant: ['app.agent'],
        });
        assert.equal(grant.status, 200, JSON.stringify(grant.body));
        const launch = await d.api<{ app_session: string }>(
          'POST',
          `/v1/userspace-apps/${key.appId}/launch`,
        );
        assert.equal(launch.status, 200, JSON.stringify(launch.body));
        const session = launch.body.app_session;
        return (method: string, params: unknown) =>
          brokerCall(d.url, { token: d.token, session }, method, params);
      };
      const mine = await caller('Agent Runner');
      const theirs = await caller('Bystander');
      const ok = <T>(res: BrokerAnswer, what: string): T => {
        assert.equal(res.status, 200, `${what}: ${JSON.stringify(res.body)}`);
        noKeyIn(`an ${what} answer`, JSON.stringify(res.body));
        return res.body.result as T;
      };

      const by = 'a userspace app';
      const since = Date.now();
      model.script(claudeCodePlay({ workspace: '/workspace', by }));
      const started = ok<BrokerResult<'app.agent.start'>>(
        await mine('app.agent.start', {
          app_id: app.id,
          prompt: `Change the heading of ${APP_FILE}, add ${ADDED_FILE}, run a command.`,
          provider: 'claude-code',
        }),
        'app.agent.start',
      );
      assert.equal(started.status, 'queued');

      // Polled as an app would: each read from where the last ended, until `done`. The task
      // gets the default timeout; the deadline only bounds a hang (the first claude-code task
      // of a filtered run installs the CLI).
      const deadline = Date.now() + (FIRST_TASK_SECONDS + 120) * 1000;
      let next = 0;
      let read = '';
      let reads = 0;
      let last: BrokerResult<'app.agent.read'>;
      for (;;) {
        last = ok<BrokerResult<'app.agent.read'>>(
          await mine('app.agent.read', { task_id: started.task_id, after: next }),
          'app.agent.read',
        );
        reads++;
        assert.equal(last.next - next, Buffer.byteLength(last.text), 'next moves by the text read');
        assert.ok(!last.text.includes('\ufffd'), 'no character cut in two');
        read += last.text;
        next = last.next;
        if (last.done) break;
        assert.ok(Date.now() < deadline, `app.agent.read never said done: ${JSON.stringify(last)}`);
        if (last.text === '') await new Promise((r) => setTimeout(r, 500));
      }

      const done = await get(started.task_id);
      assert.equal(done.provider, 'claude-code');
      assert.equal(done.sandbox_id, app.sandbox.id, 'in the build app named');
      const frames = new SseParser().push(await text(`/v1/tasks/${done.id}/stream`));
      const log = frames
        .filter((f) => f.event === 'log')
        .map((f) => (f.data as { text: string }).text)
        .join('');
      assert.equal(
        last.status,
        'succeeded',
        `${done.status_reason}\n${read}\n${model.summary(since)}`,
      );
      assert.equal(done.status, 'succeeded');
      assert.equal(read, log, 'the reads put together are the whole log the owner reads');
      assert.equal(next, Buffer.byteLength(log));
      // Read to its end: one more read from there says the same, with nothing new.
      assert.deepEqual(
        ok(await mine('app.agent.read', { task_id: done.id, after: next }), 'app.agent.read'),
        { ...last, text: '' },
      );

      // The reads show the agent's edit, and the result matches the task's.
      assert.ok(read.includes(`→ Edit: /workspace/${APP_FILE}`), read);
      assert.ok(read.includes(`→ Bash: ${shellCommand(by)}`), read);
      assert.ok(read.includes(`Changed the heading, added ${ADDED_FILE} and ran a command.`), read);
      assert.match(read, /\[paddock\] build: /);
      const r = done.result!;
      assert.equal(r.build_status, 'passed');
      assert.deepEqual(r.files_changed.map((f) => f.path).sort(), CHANGED_FILES);
      assert.equal(last.build_status, r.build_status);
      assert.equal(last.files_changed, r.files_changed.length);
      const diff = await text(`/v1/tasks/${done.id}/diff`);
      assert.match(diff, new RegExp(`^\\+.*${newHeading(by)}`, 'm'));
      assert.equal((await sh(app.sandbox.id, `cat ${SHELL_FILE}`)).stdout.trim(), by);

      // The key went to the model API by the egress proxy, and into no read.
      const asked = model.modelRequests(since);
      assert.ok(asked.length >= 2, model.summary(since));
      for (const request of asked) assert.ok(request.headers['x-api-key'] === ANTHROPIC_KEY);
      noKeyIn('the reads put together', read);
      if (process.env.AGENT_CLI_LOGS) console.log(`[app.agent claude-code]\n${read}`);

      // Another app holding app.agent cannot read this task, from the start or its end.
      for (const from of [0, next]) {
        const refused = await theirs('app.agent.read', { task_id: done.id, after: from });
        assert.equal(refused.status, 404, JSON.stringify(refused.body));
        assert.equal(refused.body.error?.code, 'not_found');
        noKeyIn('a refusal', JSON.stringify(refused.body));
      }
      timings.push(
        `app.agent (claude-code): ${reads} reads; whole task ${Date.parse(done.ended_at!) - Date.parse(done.started_at!)} ms`,
      );
    } finally {
      model.script(undefined);
      await d.api('DELETE', `/v1/apps/${app.id}`);
    }
  });

  it('a command task making the same edit, for comparison', async () => {
    const app = (await d.api<App>('POST', '/v1/apps', { name: 'by-hand', preset: 'react-vite' }))
      .body;
    const script = [
      `sed -i 's/${OLD_HEADING}/${newHeading('command')}/' ${APP_FILE}`,
      `printf '%s\\n' "${addedText('command').trim()}" > ${ADDED_FILE}`,
      shellCommand('command'),
    ].join(' && ');
    const res = await d.api<Task>('POST', `/v1/sandboxes/${app.sandbox.id}/tasks`, {
      provider: 'command',
      input: { script },
    });
    const done = await finished(res.body.id, TASK_SECONDS);
    assert.equal(done.status, 'succeeded', done.status_reason ?? '');
    assert.deepEqual(done.result!.files_changed.map((f) => f.path).sort(), CHANGED_FILES);
    const started = Date.parse(done.started_at!);
    timings.push(
      `command: whole task ${Date.parse(done.ended_at!) - started} ms (duration_ms ${done.result!.duration_ms})`,
    );
  });
});
