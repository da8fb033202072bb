import type { Socket } from 'node:net';
import {
  PTY_LIMITS,
  PaddockError,
  PtyFrameReader,
  encodePtyFrame,
  parsePtyOutput,
  type PtyExit,
  type PtyInput,
} from '@paddock/shared';

export interface AgentPtyRequest {
  cols: number;
  rows: number;
  /** Workspace-relative; the agent resolves and checks it. */
  cwd?: string;
  shell?: string;
}

export interface AgentPtyHandlers {
  /** Terminal bytes, as the shell wrote them. */
  data: (bytes: Buffer) => void;
  /**
   * Once: the terminal is over. `exit` when the agent said how the shell ended; null with an
   * error when the connection was lost or the agent broke the protocol (code in the sandbox
   * can), null without one when it was destroyed here.
   */
  end: (exit: PtyExit | null, error: PaddockError | null) => void;
}

/**
 * A terminal open in a sandbox, as the daemon holds it: the agent's framed stream (shared
 * agent/pty.ts) behind plain calls. Frames from the agent are bounded by the reader, and its
 * control messages are checked: the agent is untrusted.
 */
export class AgentPty {
  private readonly reader = new PtyFrameReader();
  private handlers: AgentPtyHandlers | null = null;
  private exit: PtyExit | null = null;
  private error: PaddockError | null = null;
  private ended = false;
  private destroyedHere = false;

  constructor(private readonly socket: Socket) {
    socket.pause();
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => this.onChunk(chunk));
    socket.once('close', () => this.finish());
  }

  /** Starts the flow of output; until then it waits in the socket. */
  listen(handlers: AgentPtyHandlers): void {
    this.handlers = handlers;
    if (this.ended) this.finish();
    else this.socket.resume();
  }

  private onChunk(chunk: Buffer): void {
    try {
      for (const frame of this.reader.push(chunk)) {
        if (frame.kind === 'data') {
          this.handlers?.data(frame.payload);
          continue;
        }
        const msg = parsePtyOutput(frame.payload.toString('utf8'));
        if (msg.type === 'exit') this.exit = msg;
        else this.error = new PaddockError('agent_error', `the terminal failed: ${msg.message}`);
      }
    } catch (err) {
      this.error = new PaddockError(
        'agent_error',
        `the guest agent broke the terminal protocol: ${(err as Error).message}`,
      );
      this.socket.destroy();
    }
  }

  private finish(): void {
    this.ended = true;
    const handlers = this.handlers;
    if (!handlers) return;
    this.handlers = null;
    const lost =
      this.exit === null && this.error === null && !this.destroyedHere
        ? new PaddockError(
            'sandbox_unavailable',
            'the terminal’s connection to the sandbox was lost',
          )
        : this.error;
    handlers.end(this.exit, this.exit ? null : lost);
  }

  /** Input bytes, in frames of at most PTY_LIMITS.framePayloadBytes; false: wait for `drain`. */
  write(bytes: Buffer): boolean {
    let ok = true;
    for (let at = 0; at < bytes.length; at += PTY_LIMITS.framePayloadBytes) {
      const slice = bytes.subarray(at, at + PTY_LIMITS.framePayloadBytes);
      ok = this.socket.write(encodePtyFrame('data', slice));
    }
    return ok;
  }

  /** A resize or a signal, already checked by the caller (`parsePtyInput`). */
  control(msg: PtyInput): void {
    this.socket.write(encodePtyFrame('control', JSON.stringify(msg)));
  }

  onceDrain(fn: () => void): void {
    this.socket.once('drain', fn);
  }

  /** Holds back output (the client is slow); the agent then pauses the terminal's pipe. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Hangs the terminal up: the agent sends its session SIGHUP, then SIGKILL. */
  destroy(): void {
    this.destroyedHere = true;
    this.socket.destroy();
  }
}
