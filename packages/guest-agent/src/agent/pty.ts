/*
 * Terminals. The daemon sends `GET /pty?cols=C&rows=R[&cwd=P][&shell=S]` with
 * `Upgrade: paddock-pty`; after `101` the connection carries frames (shared agent/pty.ts): data
 * both ways, control messages in (resize, signal) and one out (exit).
 *
 * Node cannot allocate a pseudo-terminal without native code, and the agent has none. util-linux
 * script(1) can: it opens the pty, runs a command on its slave side in a new session, and relays
 * its own stdin and stdout (our pipes) to and from the master. The command first sets the size
 * (`stty rows R cols C`, so the shell starts at the right size) and then execs the shell, so the
 * shell is script's child and its session's leader. A resize later is `stty -F /dev/pts/N`
 * (found from the shell's controlling tty in /proc), which also sends SIGWINCH to the foreground
 * group; a signal goes to that group (`tpgid` in /proc). Hanging up sends SIGHUP to every process
 * of the terminal's session, and SIGKILL to what is left after a grace period.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import {
  AGENT_PTY_PROTOCOL,
  PTY_LIMITS,
  PaddockError,
  PtyFrameReader,
  checkPtySize,
  encodePtyFrame,
  parsePtyInput,
  type PtyExit,
  type PtyInput,
  type PtySignal,
} from '@paddock/shared';
import { buildChildEnv, type EnvMap } from './env.js';
import { fsError } from './fsErrors.js';
import { toPaddockError } from './http.js';
import { raiseChildOomScore } from './oomScore.js';
import type { Workspace } from './workspacePath.js';

const SCRIPT_PATHS = ['/usr/bin/script', '/bin/script'];
const STTY_PATHS = ['/usr/bin/stty', '/bin/stty'];
const DEFAULT_SHELLS = ['/bin/bash', '/usr/bin/bash', '/bin/sh'];
/** In the wrapper's command line until it has exec'd the shell. */
const WRAPPER_MARK = 'stty rows ';
/** Checked again here: the shell's path goes into script's command line. */
const SHELL_PATH = /^\/[A-Za-z0-9._+/-]{1,255}$/;

export interface PtyContext {
  workspace: Workspace;
  inheritedEnv: EnvMap;
  stopping: () => boolean;
  terminals: Terminals;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function firstExecutable(files: readonly string[]): string | undefined {
  return files.find(executable);
}

/** What /proc says of one process: the fields after the command name in `stat`. */
interface ProcStat {
  pid: number;
  ppid: number;
  session: number;
  ttyNr: number;
  tpgid: number;
}

function readStat(pid: number | string): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name is in parentheses and may hold anything, parentheses too.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    pid: Number(pid),
    ppid: Number(f[1]),
    session: Number(f[3]),
    ttyNr: Number(f[4]),
    tpgid: Number(f[5]),
  };
}

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

function allProcesses(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(name);
    if (s) out.push(s);
  }
  return out;
}

/** `/dev/pts/N` from a controlling tty's device number (pts majors are 136 to 143). */
function ptsPath(ttyNr: number): string | null {
  const major = (ttyNr >> 8) & 0xfff;
  const minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
  if (major < 136 || major > 143) return null;
  return `/dev/pts/${(major - 136) * 256 + minor}`;
}

/** One terminal: script(1), the shell it runs, and the connection to the daemon. */
class Terminal {
  private shellPid: number | undefined;
  private hungUp = false;
  /** The shell runs (watchForShell); resizes wait for it. */
  private ready = false;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly script: ChildProcess,
    private readonly stty: string,
  ) {}

  /** The shell: script's child, which leads its own session. */
  private shell(): number | undefined {
    if (this.shellPid !== undefined) return this.shellPid;
    const found = allProcesses().find((p) => p.ppid === this.script.pid && p.session === p.pid);
    this.shellPid = found?.pid;
    return this.shellPid;
  }

  /**
   * Watches until the shell runs: script has forked it, and it has set its size and exec'd the
   * shell (its command line is no longer the wrapper's). A resize before then would race the
   * wrapper's own stty; it waits instead. Finding the shell early also matters after it exits:
   * what it left in its session can only be found through its pid.
   */
  watchForShell(): void {
    let tries = 0;
    const look = (): void => {
      if (this.hungUp) return;
      const shell = this.shell();
      const execd = shell !== undefined && !readCmdline(shell).includes(WRAPPER_MARK);
      if (!execd && ++tries < 500) {
        setTimeout(look, 10);
        return;
      }
      this.markReady();
    };
    look();
  }

  private markReady(): void {
    this.ready = true;
    for (const fn of this.waiting.splice(0)) fn();
  }

  /** Sets the size with stty on the slave side, once the shell runs; then calls `done`. */
  resize(cols: number, rows: number, done: () => void): void {
    if (!this.ready && !this.hungUp) {
      this.waiting.push(() => this.resize(cols, rows, done));
      return;
    }
    const shell = this.shell();
    const s = shell === undefined ? null : readStat(shell);
    const tty = s ? ptsPath(s.ttyNr) : null;
    if (tty === null || this.hungUp) {
      done();
      return;
    }
    execFile(
      this.stty,
      ['-F', tty, 'rows', String(rows), 'cols', String(cols)],
      { timeout: 5_000 },
      () => done(),
    );
  }

  /** To the terminal's foreground process group (the shell itself when nothing else runs). */
  signal(signal: PtySignal): void {
    const shell = this.shell();
    if (shell === undefined) return;
    const s = readStat(shell);
    const target = s && s.tpgid > 0 ? -s.tpgid : shell;
    try {
      process.kill(target, signal);
    } catch {
      // Gone already.
    }
  }

  /** Every process of the terminal: script's session and the shell's. */
  private members(): number[] {
    const sessions = new Set<number>();
    if (this.script.pid !== undefined) sessions.add(this.script.pid);
    const shell = this.shell();
    if (shell !== undefined) sessions.add(shell);
    return allProcesses()
      .filter((p) => sessions.has(p.session))
      .map((p) => p.pid);
  }

  private killAll(signal: NodeJS.Signals): number {
    const pids = this.members();
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // Exited in between.
      }
    }
    return pids.length;
  }

  /**
   * Hangs up, as closing a terminal does: SIGHUP to every process of its session (also those
   * that put themselves in the background), then SIGKILL to whatever is left after the grace.
   */
  hangUp(): void {
    if (this.hungUp) return;
    this.hungUp = true;
    this.markReady();
    this.shell(); // found while script still runs: afterwards the shell has another parent
    if (this.killAll('SIGHUP') === 0) return;
    setTimeout(() => {
      // Forks racing the kill show up in the next pass; a few passes catch them.
      for (let pass = 0; pass < 5 && this.killAll('SIGKILL') > 0; pass++);
    }, PTY_LIMITS.hangupGraceMs);
  }
}

/** The terminals open in this sandbox. */
export class Terminals {
  private readonly open = new Set<Terminal>();

  get count(): number {
    return this.open.size;
  }

  add(t: Terminal): void {
    this.open.add(t);
  }

  remove(t: Terminal): void {
    this.open.delete(t);
  }

  /** At shutdown: every terminal hangs up. */
  hangUpAll(): void {
    for (const t of this.open) t.hangUp();
  }
}

function isResize(item: Buffer | PtyInput | undefined): boolean {
  return item !== undefined && !Buffer.isBuffer(item) && item.type === 'resize';
}

function refuse(socket: Duplex, err: unknown): void {
  const e = toPaddockError(err);
  const body = JSON.stringify({ error: { code: e.code, message: e.message } });
  socket.end(
    `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status] ?? 'Error'}\r\n` +
      'content-type: application/json\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      'connection: close\r\n\r\n' +
      body,
  );
}

interface PtyRequest {
  cols: number;
  rows: number;
  cwd: string;
  shell: string | undefined;
}

function parseRequest(url: URL): PtyRequest {
  for (const key of url.searchParams.keys()) {
    if (!['cols', 'rows', 'cwd', 'shell'].includes(key)) {
      throw new PaddockError('unknown_field', `unknown query parameter "${key}"`);
    }
  }
  const int = (name: string, fallback: number): number => {
    const v = url.searchParams.get(name);
    return v === null ? fallback : /^\d{1,6}$/.test(v) ? Number(v) : NaN;
  };
  const size = checkPtySize(
    int('cols', PTY_LIMITS.defaultCols),
    int('rows', PTY_LIMITS.defaultRows),
  );
  const shell = url.searchParams.get('shell') ?? undefined;
  if (shell !== undefined && !SHELL_PATH.test(shell)) {
    throw new PaddockError('bad_request', 'shell must be an absolute path of plain characters');
  }
  return { ...size, cwd: url.searchParams.get('cwd') ?? '.', shell };
}

async function spawnTerminal(
  req: PtyRequest,
  ctx: PtyContext,
): Promise<{ script: ChildProcess; stty: string }> {
  const script = firstExecutable(SCRIPT_PATHS);
  const stty = firstExecutable(STTY_PATHS);
  if (script === undefined || stty === undefined) {
    throw new PaddockError(
      'conflict',
      'this sandbox has no script(1) and stty(1) to make a terminal',
    );
  }
  const shell = req.shell ?? firstExecutable(DEFAULT_SHELLS);
  if (shell === undefined || !executable(shell)) {
    throw new PaddockError('bad_request', `no executable shell at ${req.shell ?? '/bin/sh'}`);
  }
  const ws = ctx.workspace;
  const cwd = await ws.resolveRead(req.cwd);
  const isDir = await stat(cwd.real).then(
    (st) => st.isDirectory(),
    (err: unknown) => {
      throw fsError(err, cwd.rel);
    },
  );
  if (!isDir) throw new PaddockError('not_a_directory', `cwd is not a directory: ${cwd.rel}`);
  if (ctx.terminals.count >= PTY_LIMITS.maxPerSandbox) {
    // The daemon counts first (429); this is for a daemon that lost count. Not rate_limited:
    // that code is outside what an agent may answer (code in the sandbox could fake it).
    throw new PaddockError('conflict', `at most ${PTY_LIMITS.maxPerSandbox} terminals at once`);
  }
  if (ctx.stopping()) throw new PaddockError('sandbox_unavailable', 'the agent is shutting down');
  const env = buildChildEnv({
    workspace: ws.root,
    cwd: cwd.rel === '.' ? ws.root : path.join(ws.root, cwd.rel),
    inherited: ctx.inheritedEnv,
  });
  // script runs its command with $SHELL -c: sh for our command, then the shell the user wants.
  const command = `${WRAPPER_MARK}${req.rows} cols ${req.cols} 2>/dev/null; SHELL=${shell}; export SHELL; exec ${shell}`;
  const child = spawn(script, ['-q', '-f', '-e', '-c', command, '/dev/null'], {
    cwd: cwd.real,
    env: { ...env, SHELL: '/bin/sh' },
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) raiseChildOomScore(child.pid);
  return { script: child, stty };
}

/** Handles an `upgrade` to `/pty`. */
export async function handlePtyUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  ctx: PtyContext,
): Promise<void> {
  socket.on('error', () => socket.destroy());
  let spawned: { script: ChildProcess; stty: string };
  try {
    if (req.headers.upgrade?.toLowerCase() !== AGENT_PTY_PROTOCOL) {
      throw new PaddockError('bad_request', `/pty upgrades to ${AGENT_PTY_PROTOCOL} only`);
    }
    spawned = await spawnTerminal(parseRequest(new URL(req.url ?? '/', 'http://agent')), ctx);
  } catch (err) {
    refuse(socket, err);
    return;
  }
  const { script } = spawned;
  const terminal = new Terminal(script, spawned.stty);
  ctx.terminals.add(terminal);
  terminal.watchForShell();
  if (socket.destroyed) {
    terminal.hangUp();
    ctx.terminals.remove(terminal);
    return;
  }
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: ${AGENT_PTY_PROTOCOL}\r\n\r\n`,
  );
  const stdin = script.stdin!;
  stdin.on('error', () => {});

  // Output: script's stdout and stderr (its own complaints) as data frames, paused while the
  // daemon is slow to read.
  let outputOpen = 2;
  const exited = new Promise<PtyExit>((resolve) => {
    script.once('exit', (code, signal) => resolve({ type: 'exit', code, signal }));
    script.once('error', (err) => {
      socket.write(encodePtyFrame('data', `paddock: ${err.message}\r\n`));
      resolve({ type: 'exit', code: 127, signal: null });
    });
  });
  const outputDone = new Promise<void>((resolve) => {
    for (const stream of [script.stdout!, script.stderr!]) {
      stream.on('data', (chunk: Buffer) => {
        if (!socket.write(encodePtyFrame('data', chunk))) {
          stream.pause();
          socket.once('drain', () => stream.resume());
        }
      });
      stream.once('close', () => {
        if (--outputOpen === 0) resolve();
      });
    }
  });

  // Input: data frames to script's stdin, control frames acted on, strictly in order: bytes
  // sent after a resize reach the shell once the new size is in force. While a frame waits
  // (stdin is full, stty runs), the connection is not read.
  const reader = new PtyFrameReader();
  const queue: (Buffer | PtyInput)[] = [];
  let busy = false;
  let inputEnded = false;
  const next = (): void => {
    busy = false;
    run();
  };
  const run = (): void => {
    while (!busy && queue.length > 0) {
      const item = queue.shift() as Buffer | PtyInput;
      // After the end of input, only signals and resizes still mean something.
      if (inputEnded && (Buffer.isBuffer(item) || item.type === 'eof')) continue;
      if (Buffer.isBuffer(item)) {
        if (!stdin.write(item)) {
          busy = true;
          stdin.once('drain', next);
        }
      } else if (item.type === 'signal') {
        terminal.signal(item.signal);
      } else if (item.type === 'eof') {
        // script(1) hands the end of its stdin on to the shell as an EOF once the shell reads.
        inputEnded = true;
        stdin.end();
      } else if (!isResize(queue[0])) {
        // Only the last of several resizes in a row is worth a stty.
        busy = true;
        terminal.resize(item.cols, item.rows, next);
      }
    }
    if (busy || queue.length > 0) socket.pause();
    else socket.resume();
  };
  const onInput = (chunk: Buffer): void => {
    try {
      for (const frame of reader.push(chunk)) {
        queue.push(
          frame.kind === 'data' ? frame.payload : parsePtyInput(frame.payload.toString('utf8')),
        );
      }
    } catch (err) {
      // The daemon checks every message first: a bad frame means a broken stream.
      console.error('guest-agent: pty stream:', toPaddockError(err).message);
      socket.destroy();
      return;
    }
    run();
  };
  if (head.length > 0) onInput(head);
  socket.on('data', onInput);

  // The agent's server keeps half-open connections: the daemon's end is the terminal's.
  socket.once('end', () => socket.destroy());
  socket.once('close', () => {
    terminal.hangUp();
    ctx.terminals.remove(terminal);
  });
  const exit = await exited;
  await outputDone;
  // The shell is gone; what it left in its session (background jobs) goes too.
  terminal.hangUp();
  ctx.terminals.remove(terminal);
  if (!socket.destroyed) socket.end(encodePtyFrame('control', JSON.stringify(exit)));
}
