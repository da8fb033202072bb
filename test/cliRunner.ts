import { spawn } from 'node:child_process';
import { CLI } from './harness.js';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `paddock` binary with exactly this environment (and PATH), without blocking
 * this process (its fetch sockets stay live): stdin, when given, is written and closed.
 */
export function runCli(
  args: string[],
  env: Record<string, string>,
  opts: { stdin?: Buffer; cwd?: string } = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdin.end(opts.stdin);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
