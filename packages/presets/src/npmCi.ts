import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * What npm may see of the daemon's environment: how to find node and npm, where its cache and
 * config are, and how to reach the registry. Nothing else, so no daemon secret reaches npm or
 * the packages it runs.
 */
const ENV_ALLOWLIST = [
  'PATH',
  'HOME',
  'TMPDIR',
  'LANG',
  'LC_ALL',
  'npm_config_cache',
  'npm_config_registry',
  'npm_config_userconfig',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
];

const STDERR_BYTES_KEPT = 64 * 1024;
const ERROR_LINES_KEPT = 20;

function npmEnv(parent: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ENV_ALLOWLIST) {
    const value = parent[name];
    if (value !== undefined) env[name] = value;
  }
  // The daemon's own node first: the cache key names its major version, and npm needs a node.
  const nodeDir = path.dirname(process.execPath);
  env.PATH = env.PATH ? `${nodeDir}${path.delimiter}${env.PATH}` : nodeDir;
  env.npm_config_update_notifier = 'false';
  return env;
}

/** util-linux's, on every Debian and Ubuntu host. */
const SETPRIV = '/usr/bin/setpriv';

export interface NpmCiOptions {
  npmPath: string;
  cwd: string;
  timeoutMs: number;
}

/**
 * `npm ci` without lifecycle scripts: the packages' install scripts never run on the host.
 * Dev and optional dependencies are included whatever the host's npm config says: dev servers
 * and type checkers are devDependencies, and native binaries (esbuild, rolldown, SWC) are
 * optional ones.
 */
export async function npmCi(options: NpmCiOptions): Promise<void> {
  const args = [
    'ci',
    '--ignore-scripts',
    '--no-audit',
    '--no-fund',
    '--include=dev',
    '--include=optional',
  ];
  // Dies with its daemon: an install left running by a killed daemon would keep writing into
  // a temp dir the next daemon sweeps.
  const [command, argv] = existsSync(SETPRIV)
    ? [SETPRIV, ['--pdeathsig', 'KILL', '--', options.npmPath, ...args]]
    : [options.npmPath, args];
  const child = spawn(command, argv, {
    cwd: options.cwd,
    env: npmEnv(),
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: options.timeoutMs,
    killSignal: 'SIGKILL',
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_BYTES_KEPT);
  });
  const outcome = await new Promise<{ code: number | null; signal: string | null }>(
    (resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => resolve({ code, signal }));
    },
  ).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`could not run ${options.npmPath}: ${err.message}`);
  });
  if (outcome.code === 0) return;
  const how =
    outcome.signal === 'SIGKILL'
      ? `was killed (timeout ${Math.round(options.timeoutMs / 1000)} s?)`
      : `exited with ${outcome.code ?? outcome.signal}`;
  const output = lastErrorLines(stderr).join('\n');
  throw new Error(`npm ci ${how}${output ? `:\n${output}` : ''}`);
}

/** npm's last non-blank stderr lines, without the usage text it appends to some errors. */
export function lastErrorLines(stderr: string): string[] {
  const lines = stderr.split('\n').filter((l) => !/^npm error\s*$/.test(l) && l.trim() !== '');
  const usage = lines.findIndex((l) => /^npm error (Usage:|Clean install a project)/.test(l));
  const kept = usage === -1 ? lines : [...lines.slice(0, usage), ...lines.slice(-1)];
  return kept.slice(-ERROR_LINES_KEPT);
}
