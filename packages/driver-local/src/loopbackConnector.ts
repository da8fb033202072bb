import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { PaddockError } from '@paddock/shared';

// One level above both src/ and dist/, so this resolves the same from either.
const HELPER = fileURLToPath(new URL('../helpers/loopbackConnector.mjs', import.meta.url));

/** No connection request for this long: the helper exits (it is started again on demand). */
const IDLE_MS = 60_000;

/**
 * Opens TCP connections to a sandbox's loopback ports from the host, with no relay: a small
 * helper started in the sandbox's network namespace connects and passes each socket back over
 * Node's IPC channel (see helpers/loopbackConnector.mjs). One per sandbox while its previews
 * are in use; the guest agent's bridge serves until it is ready, and wherever it fails.
 */
export class LoopbackConnector {
  private child: ChildProcess | null = null;
  private ready = false;
  private nextId = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (s: Socket) => void; reject: (e: Error) => void }
  >();
  private idle: NodeJS.Timeout | null = null;

  private starting = false;

  /** `netnsFd` opens the sandbox's network namespace file, or null if it is not running. */
  constructor(
    private readonly netnsFd: () => Promise<number | null>,
    private readonly nodePath: string,
  ) {}

  /** A connected socket, or null while the helper is not (yet) running: use the bridge. */
  connect(port: number, signal?: AbortSignal): Promise<Socket> | null {
    if (this.child === null && !this.starting) {
      this.starting = true;
      void this.start().finally(() => {
        this.starting = false;
      });
    }
    if (!this.ready || this.child === null) return null;
    this.touch();
    const child = this.child;
    const id = this.nextId++;
    return new Promise<Socket>((resolve, reject) => {
      const onAbort = () => {
        this.waiting.delete(id);
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.set(id, {
        resolve: (s) => {
          signal?.removeEventListener('abort', onAbort);
          if (signal?.aborted) s.destroy();
          else resolve(s);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
      child.send({ type: 'connect', id, port });
    });
  }

  /** Stops the helper; waiting connects fail and the bridge takes over. */
  close(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    this.ready = false;
    this.child?.kill('SIGKILL');
  }

  private async start(): Promise<void> {
    const fd = await this.netnsFd().catch(() => null);
    if (fd === null) return;
    let child: ChildProcess;
    try {
      // fd 3 is the namespace file the driver opened (after checking whose it is), so no path
      // under /proc can be swapped between the check and the entry.
      child = spawn('nsenter', ['--net=/proc/self/fd/3', '--', this.nodePath, HELPER], {
        stdio: ['ignore', 'ignore', 'ignore', fd, 'ipc'],
        env: { PATH: '/usr/bin:/bin' },
      });
    } finally {
      fs.closeSync(fd);
    }
    this.child = child;
    child.on('message', (msg: { type: string; id: number; code?: string }, handle?: Socket) => {
      if (msg.type === 'ready') {
        this.ready = this.child === child;
        return;
      }
      const waiter = this.waiting.get(msg.id);
      if (!waiter) {
        handle?.destroy();
        return;
      }
      this.waiting.delete(msg.id);
      if (msg.type === 'connected' && handle) {
        handle.setNoDelay(true);
        handle.resume();
        waiter.resolve(handle);
      } else {
        waiter.reject(
          new PaddockError('port_unreachable', `nothing listens on that port (${msg.code})`),
        );
      }
    });
    const gone = () => {
      if (this.child !== child) return;
      this.child = null;
      this.ready = false;
      for (const w of this.waiting.values()) {
        w.reject(new PaddockError('sandbox_unavailable', 'the loopback connector exited'));
      }
      this.waiting.clear();
    };
    child.once('exit', gone);
    child.once('error', gone);
    this.touch();
  }

  private touch(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => this.close(), IDLE_MS);
    this.idle.unref();
  }
}
