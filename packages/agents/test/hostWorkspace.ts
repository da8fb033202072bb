/**
 * A TaskWorkspace over a directory on the host, for tests: commands run there with real `sh`
 * and real `git`, as the guest agent would run them in a sandbox's workspace (cwd and HOME the
 * workspace, explicit env on top of PATH). There is no supervisor: no supervised processes.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { ExecRequest, ExecResult, ExecStreamFrame, SupervisedInfo } from '@paddock/shared';
import type { TaskWorkspace } from '../src/run/taskWorkspace.js';

type Exit = Extract<ExecStreamFrame, { event: 'exit' }>['data'];

export class HostWorkspace implements TaskWorkspace {
  /** Process groups started here, so a test can check none is left. */
  readonly pids: number[] = [];

  constructor(readonly dir: string) {}

  async exec(req: ExecRequest, signal?: AbortSignal): Promise<ExecResult> {
    let stdout = '';
    let stderr = '';
    for await (const frame of this.execStream(req, signal)) {
      if (frame.event === 'stdout') stdout += frame.data.text;
      else if (frame.event === 'stderr') stderr += frame.data.text;
      else if (frame.event === 'exit') return { ...frame.data, stdout, stderr };
    }
    throw new Error('the command ended without an exit');
  }

  async *execStream(req: ExecRequest, signal?: AbortSignal): AsyncIterable<ExecStreamFrame> {
    const argv = req.argv ?? ['/bin/sh', '-c', req.command ?? 'true'];
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: this.dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: this.dir, ...req.env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const queue: ExecStreamFrame[] = [];
    let wake: (() => void) | null = null;
    const push = (frame: ExecStreamFrame): void => {
      queue.push(frame);
      wake?.();
    };
    const t0 = performance.now();
    let state: Exit['state'] = 'exited';
    const killGroup = (): void => {
      if (child.pid !== undefined && child.exitCode === null) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    };
    const timer =
      req.timeout_ms === undefined
        ? undefined
        : setTimeout(() => {
            state = 'timed_out';
            killGroup();
          }, req.timeout_ms);
    child.on('spawn', () => {
      this.pids.push(child.pid!);
      push({ event: 'start', data: { pid: child.pid! } });
    });
    child.stdout
      .setEncoding('utf8')
      .on('data', (text: string) => push({ event: 'stdout', data: { text } }));
    child.stderr
      .setEncoding('utf8')
      .on('data', (text: string) => push({ event: 'stderr', data: { text } }));
    child.on('error', (err) =>
      push({ event: 'error', data: { code: 'spawn', message: err.message } }),
    );
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      push({
        event: 'exit',
        data: {
          exit_code: code,
          signal: sig,
          stdout_truncated: false,
          stderr_truncated: false,
          duration_ms: performance.now() - t0,
          state: code === null && state === 'exited' ? 'killed' : state,
        },
      });
    });
    const onAbort = (): void => {
      killGroup();
      wake?.();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        const frame = queue.shift();
        if (frame === undefined) {
          if (signal?.aborted) throw signal.reason;
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
          continue;
        }
        yield frame;
        if (frame.event === 'exit' || frame.event === 'error') return;
      }
    } finally {
      // Leaving early hangs up, and the process group goes, as with the guest agent.
      killGroup();
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async listSupervised(): Promise<SupervisedInfo[]> {
    return [];
  }

  async restartSupervised(name: string): Promise<unknown> {
    throw new Error(`no supervised process ${name} on the host`);
  }

  openBridge(port: number): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
      socket.once('error', reject);
    });
  }
}
