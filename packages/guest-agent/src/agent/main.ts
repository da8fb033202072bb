/**
 * The guest agent's entry: the first process in every sandbox. Bundled into dist/agent.mjs and
 * run as `node agent.mjs --socket PATH | --listen HOST:PORT [--workspace DIR]`.
 *
 * It sits on the sandbox-start hot path and idles in every sandbox, so it starts with nothing
 * preallocated and no timers until there is work.
 */
import { lstat, unlink } from 'node:fs/promises';
import { GUEST_WORKSPACE } from '@paddock/shared';
import { inheritedSandboxEnv } from './env.js';
import { createAgentServer } from './server.js';
import { Workspace } from './workspacePath.js';

interface Options {
  socket?: string;
  listen?: { host: string; port: number };
  workspace: string;
}

function usage(message: string): never {
  console.error(`guest-agent: ${message}`);
  console.error('usage: agent.mjs (--socket PATH | --listen HOST:PORT) [--workspace DIR]');
  process.exit(2);
}

function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) usage(`--listen wants HOST:PORT, got ${value}`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { workspace: GUEST_WORKSPACE };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') usage(`${flag} needs a value`);
      return v;
    };
    if (flag === '--socket') opts.socket = value();
    else if (flag === '--listen') opts.listen = parseListen(value());
    else if (flag === '--workspace') opts.workspace = value();
    else usage(`unknown argument: ${arg}`);
  }
  if ((opts.socket === undefined) === (opts.listen === undefined))
    usage('give exactly one of --socket and --listen');
  return opts;
}

/** A socket file left by an agent that died; anything else at that path is not ours to delete. */
async function removeStaleSocket(socketPath: string): Promise<void> {
  const st = await lstat(socketPath).catch(() => null);
  if (st === null) return;
  if (!st.isSocket()) throw new Error(`${socketPath} exists and is not a socket`);
  await unlink(socketPath);
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const workspace = await Workspace.open(opts.workspace);
  const { server, shutdown } = createAgentServer({
    workspace,
    inheritedEnv: inheritedSandboxEnv(process.env),
    exit: (code) => process.exit(code),
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => void shutdown.start());
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (opts.socket !== undefined) {
      const socketPath = opts.socket;
      removeStaleSocket(socketPath).then(() => server.listen(socketPath, resolve), reject);
    } else if (opts.listen) {
      server.listen(opts.listen.port, opts.listen.host, resolve);
    }
  });

  const address = server.address();
  const where =
    typeof address === 'string' || address === null
      ? { socket: address }
      : {
          listen: `${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
        };
  process.stdout.write(
    `${JSON.stringify({ ready: true, pid: process.pid, ...where, workspace: workspace.root })}\n`,
  );
}

main().catch((err: unknown) => {
  console.error('guest-agent: failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
