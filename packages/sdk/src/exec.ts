import type { ExecResult, ExecStreamFrame } from '@paddock/shared';
import { ROUTES } from './routeTable.js';
import { PaddockError } from './errors.js';
import { eventFrames } from './eventStream.js';
import type { Transport } from './transport.js';

export interface ExecOptions {
  /** Working directory; relative paths resolve in the workspace. */
  cwd?: string;
  /** Variables for this command only (they may carry credentials: they are explicit). */
  env?: Record<string, string>;
  /** Text written to the command's stdin, which is then closed. */
  stdin?: string;
  /** Kill the command's process group after this long; the result's `state` is `timed_out`. */
  timeoutMs?: number;
  /** Each piece of stdout as it arrives. */
  onStdout?: (text: string) => void;
  /** Each piece of stderr as it arrives. */
  onStderr?: (text: string) => void;
  /** Abort the call: the stream closes and the daemon kills the command. */
  signal?: AbortSignal;
}

/** A shell string (run by `/bin/sh -c`) or an argv, run without a shell. */
export type Command = string | readonly string[];

export function commandBody(cmd: Command): { command: string } | { argv: string[] } {
  return typeof cmd === 'string' ? { command: cmd } : { argv: [...cmd] };
}

/**
 * Runs a command and streams its output to the callbacks as it comes; resolves with the whole
 * result once it exits (a non-zero exit is a result, not an error).
 */
export async function runExec(
  transport: Transport,
  sandboxId: string,
  cmd: Command,
  options: ExecOptions = {},
): Promise<ExecResult> {
  const res = await transport.send(ROUTES.exec.exec, {
    params: { id: sandboxId },
    json: {
      ...commandBody(cmd),
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
      ...(options.env !== undefined ? { env: options.env } : {}),
      ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
      ...(options.timeoutMs !== undefined ? { timeout_ms: options.timeoutMs } : {}),
    },
    accept: 'text/event-stream',
    signal: options.signal,
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  for await (const frame of eventFrames<ExecStreamFrame>(res, options.signal)) {
    switch (frame.event) {
      case 'stdout':
        stdout.push(frame.data.text);
        options.onStdout?.(frame.data.text);
        break;
      case 'stderr':
        stderr.push(frame.data.text);
        options.onStderr?.(frame.data.text);
        break;
      case 'exit':
        return { ...frame.data, stdout: stdout.join(''), stderr: stderr.join('') };
      // An `error` frame is thrown by eventFrames as its PaddockError.
    }
  }
  throw new PaddockError('stream_error', 'the exec stream ended before the command exited');
}
