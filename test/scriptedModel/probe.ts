// Runs a pinned CLI on the host (not in a sandbox) against the scripted model server, the way
// Paddock's provider runs it, and prints what it asked for: a tool for re-checking the server
// after a CLI version bump (see README.md). The keys are fake; no header value is printed.
//   node --import tsx test/scriptedModel/probe.ts claude-code <path to the claude binary> [behaviour]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TASK_PROVIDERS } from '@paddock/agents';
import { ScriptedModelServer, type Behaviour } from './server.js';
import { claudeCodePlay, opencodePlay } from './plays.js';
import { codexPlay } from './codexPlay.js';

const [cli = 'claude-code', bin = '', how = 'play'] = process.argv.slice(2);
const behaviour: Behaviour =
  how === 'play' || how === 'cut' || how === 'stall'
    ? ({ kind: how } as Behaviour)
    : { kind: 'status', status: Number(how) };
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-ws-'));
fs.cpSync(
  path.resolve(import.meta.dirname, '../../packages/presets/templates/react-vite'),
  workspace,
  {
    recursive: true,
  },
);
const keys = { anthropicKey: 'sk-ant-probe-key', openaiKey: 'sk-openai-probe-key' };
const server = await ScriptedModelServer.start(keys);
const plays = { 'claude-code': claudeCodePlay, codex: codexPlay, opencode: opencodePlay };
server.script(plays[cli as keyof typeof plays]({ workspace, by: cli }), behaviour);
const provider = TASK_PROVIDERS.get(cli)!;
const run = provider.run({ prompt: 'Change the heading' }, { taskId: 'probe', toolPath: bin });
const base = `https://127.0.0.1:${server.port}`;
const env: Record<string, string> = {
  PATH: '/usr/bin:/bin',
  HOME: workspace,
  ...Object.fromEntries(
    Object.entries(run.env ?? {}).map(([k, v]) => [k, v.replace('/workspace', workspace)]),
  ),
  NODE_EXTRA_CA_CERTS: server.caFile,
  SSL_CERT_FILE: server.caFile,
  ANTHROPIC_API_KEY: keys.anthropicKey,
  CODEX_API_KEY: keys.openaiKey,
  OPENAI_API_KEY: keys.openaiKey,
  // On the host the CLIs are pointed at the server; in a sandbox the egress proxy does it.
  ANTHROPIC_BASE_URL: base,
  ...(process.env.PROBE_ENV
    ? Object.fromEntries(
        process.env.PROBE_ENV.split(',').map((kv) => kv.split('=') as [string, string]),
      )
    : {}),
};
const argv = run.argv.map((a) => a.replace('/workspace', workspace));
if (cli === 'codex')
  argv.splice(
    2,
    0,
    '-c',
    `openai_base_url="${base}/v1"`,
    ...(process.env.CODEX_EXTRA ?? '')
      .split(' ')
      .filter(Boolean)
      .flatMap((c) => ['-c', c]),
  );
if (cli === 'opencode') {
  fs.mkdirSync(`${env.XDG_CONFIG_HOME}/opencode`, { recursive: true });
  fs.writeFileSync(
    `${env.XDG_CONFIG_HOME}/opencode/opencode.json`,
    JSON.stringify({ provider: { anthropic: { options: { baseURL: `${base}/v1` } } } }),
  );
}
const t0 = Date.now();
const child = spawn(argv[0]!, argv.slice(1), {
  cwd: workspace,
  env,
  stdio: ['ignore', 'pipe', 'pipe'],
});
let out = '';
child.stdout.on('data', (d: Buffer) => (out += d.toString()));
child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
const code = await new Promise((r) => child.on('exit', r));
console.log(`exit ${String(code)} after ${Date.now() - t0} ms; workspace ${workspace}`);
console.log(process.env.PROBE_RAW ? out : run.parser.push(out) + run.parser.end());
for (const r of server.requests) {
  const body = (r.body ?? {}) as Record<string, unknown>;
  const tools = Array.isArray(body.tools) ? (body.tools as { name?: string; type?: string }[]) : [];
  console.log(
    `+${r.at - t0}ms ${r.method} ${r.path} → ${r.answered}; model ${String(body.model)}; headers ${Object.keys(r.headers).join(',')}; tools ${tools.map((t) => `${t.name}${t.type === 'function' || !t.type ? '' : `(${t.type})`}`).join(',')}`,
  );
}
fs.writeFileSync('/tmp/probe-requests.json', JSON.stringify(server.requests, null, 1));
await server.close();
