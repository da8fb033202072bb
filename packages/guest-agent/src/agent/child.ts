import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import type { ExecResult } from '@paddock/shared';
import { raiseChildOomScore } from './oomScore.js';

export type ChildOutcome = Omit<
  ExecResult,
  'stdout' | 'stderr' | 'stdout_truncated' | 'stderr_truncated'
>;

export interface SpawnSpec {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  stdin?: string;
  timeoutMs?: number;
  /**
   * After the leader exits, how long to keep reading pipes a backgrounded grandchild may hold
   * open. Undefined: until they close (background processes keep collecting output).
   */
  drainMs?: number;
}

/**
 * One spawned process and its process group. The child leads its own group (`detached`), so a
 * timeout, kill or shutdown signals everything it started, not just the leader.
 */
export class Child {
  readonly pid: number | undefined;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Resolves when the leader has exited (or failed to spawn). */
  readonly exited: Promise<ChildOutcome>;
  /** Resolves once the leader has exited and its pipes are closed or drained. */
  readonly settled: Promise<void>;
  /** Set when spawning failed; reported like a shell would, on stderr with status 127. */
  spawnError: string | null = null;

  private readonly proc: ChildProcess;
  private readonly started = performance.now();
  private timedOut = false;
  private leaderExited = false;
  private done = false;

  constructor(spec: SpawnSpec) {
    this.proc = spawn(spec.file, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      // Without stdin the child reads /dev/null: at EOF at once, never waiting on the agent.
      stdio: [spec.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    this.pid = this.proc.pid;
    // Before anything else, so the child has as little time as possible to fork with the
    // agent's protective score.
    if (this.pid !== undefined) raiseChildOomScore(this.pid);
    this.stdout = this.proc.stdout;
    this.stderr = this.proc.stderr;

    if (spec.stdin !== undefined && this.proc.stdin) {
      // A child that exits without reading its stdin is normal, not an error.
      this.proc.stdin.on('error', () => {});
      this.proc.stdin.end(spec.stdin);
    }

    let timer: NodeJS.Timeout | undefined;
    if (spec.timeoutMs !== undefined && this.pid !== undefined) {
      timer = setTimeout(() => {
        this.timedOut = true;
        this.kill('SIGKILL');
      }, spec.timeoutMs);
    }

    this.exited = new Promise((resolve) => {
      this.proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        this.leaderExited = true;
        const state = signal === null ? 'exited' : this.timedOut ? 'timed_out' : 'killed';
        resolve({ exit_code: code, signal, state, duration_ms: this.elapsed() });
      });
      this.proc.once('error', (err: NodeJS.ErrnoException) => {
        if (this.pid !== undefined) return; // a later error (e.g. a pipe) does not change the outcome
        clearTimeout(timer);
        this.leaderExited = true;
        this.done = true;
        const why =
          err.code === 'ENOENT'
            ? 'command not found'
            : err.code === 'EACCES'
              ? 'permission denied'
              : err.message;
        this.spawnError = `${spec.file}: ${why}\n`;
        const exitCode = err.code === 'EACCES' ? 126 : 127;
        resolve({
          exit_code: exitCode,
          signal: null,
          state: 'exited',
          duration_ms: this.elapsed(),
        });
      });
    });

    this.settled = new Promise((resolve) => {
      const finish = (): void => {
        this.done = true;
        resolve();
      };
      this.proc.once('close', finish);
      if (this.pid === undefined) {
        void this.exited.then(finish);
        return;
      }
      if (spec.drainMs !== undefined) {
        const drainMs = spec.drainMs;
        const drain = (): void => {
          if (this.done) return;
          // Paused means a slow client holds back output the leader already wrote: wait for it.
          if (this.stdout?.isPaused() || this.stderr?.isPaused()) {
            setTimeout(drain, drainMs);
            return;
          }
          // Whoever still holds the pipes is on its own now; stop reading so the exec can end.
          this.stdout?.destroy();
          this.stderr?.destroy();
          finish();
        };
        void this.exited.then(() => {
          if (!this.done) setTimeout(drain, drainMs);
        });
      }
    });
  }

  get running(): boolean {
    return this.pid !== undefined && !this.leaderExited;
  }

  /** Whether the group may still have members: the leader runs or someone holds its pipes. */
  get groupMayLive(): boolean {
    return this.pid !== undefined && !this.done;
  }

  /** Signals the whole process group; a group that is already gone is not an error. */
  kill(signal: NodeJS.Signals): boolean {
    if (this.pid === undefined) return false;
    try {
      process.kill(-this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  private elapsed(): number {
    return Math.round((performance.now() - this.started) * 1000) / 1000;
  }
}
