import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { Server, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { PaddockError } from '@paddock/shared';

// Beside both src/ and dist/ in the package, so this resolves the same from either.
const HELPER = fileURLToPath(new URL('../../helpers/loopbackConnector.mjs', import.meta.url));

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
  private readonly listens = new Map<
    number,
    { resolve: (s: Server) => void; reject: (e: Error) => void }
  >();
  private idle: NodeJS.Timeout | null = null;

  private starting: Promise<void> | null = null;
  /** Closed for good: a start still opening the namespace must not spawn a helper after it. */
  private closed = false;

  /** `netnsFd` opens the sandbox's network namespace file, or null if it is not running. */
  constructor(
    private readonly netnsFd: () => Promise<number | null>,
    private readonly nodePath: string,
  ) {}

  /** A connected socket, or null while the helper is not (yet) running: use the bridge. */
  connect(port: number, signal?: AbortSignal): Promise<Socket> | null {
    this.started().catch(() => undefined);
    if (!this.ready || this.child === null || !this.child.connected) return null;
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

  /**
   * A socket listening on 127.0.0.1:`port` in the sandbox, held by the daemon: it accepts the
   * sandbox's connections there itself. It lives until closed (or the sandbox's namespace goes).
   */
  async listen(port: number): Promise<Server> {
    await this.started();
    const child = this.child;
    if (!this.ready || child === null || !child.connected) {
      throw new PaddockError('sandbox_unavailable', 'the loopback connector did not start');
    }
    this.touch();
    const id = this.nextId++;
    return new Promise<Server>((resolve, reject) => {
      this.listens.set(id, { resolve, reject });
      child.send({ type: 'listen', id, port });
    });
  }

  /** For good (the sandbox ended, the driver closes): the helper stops and is not started again. */
  close(): void {
    this.closed = true;
    this.stopHelper();
  }

  /** Stops the helper; waiting connects fail and the bridge takes over. Listeners stay. */
  private stopHelper(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    this.ready = false;
    this.child?.kill('SIGKILL');
  }

  /** Starts the helper unless it runs or is starting; resolves once it is ready or gone. */
  private started(): Promise<void> {
    if (this.child !== null && this.ready) return Promise.resolve();
    this.starting ??= this.start().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private async start(): Promise<void> {
    const fd = await this.netnsFd().catch(() => null);
    if (fd === null) return;
    if (this.closed) {
      fs.closeSync(fd);
      return;
    }
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
    // A helper never keeps the daemon alive: shutting down must not wait for its idle timer.
    child.unref();
    child.channel?.unref();
    let becameReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (becameReady = resolve));
    child.on('message', (msg: { type: string; id: number; code?: string }, handle?: unknown) => {
      if (msg.type === 'ready') {
        this.ready = this.child === child;
        becameReady();
        return;
      }
      if (msg.type === 'listening' && !this.listens.has(msg.id)) {
        // Nobody waits for it any more (closed meanwhile): let the port go.
        (handle as Server | undefined)?.close();
        return;
      }
      const listener = this.listens.get(msg.id);
      if (listener) {
        this.listens.delete(msg.id);
        if (msg.type === 'listening' && handle) listener.resolve(handle as Server);
        else if (msg.code === 'EADDRINUSE') listener.reject(new PortTakenError());
        else listener.reject(new PaddockError('driver_error', `cannot listen there (${msg.code})`));
        return;
      }
      this.answer(msg, handle as Socket | undefined);
    });
    const gone = () => {
      becameReady();
      if (this.child !== child) return;
      this.child = null;
      this.ready = false;
      const error = new PaddockError('sandbox_unavailable', 'the loopback connector exited');
      for (const w of [...this.waiting.values(), ...this.listens.values()]) w.reject(error);
      this.waiting.clear();
      this.listens.clear();
    };
    child.once('exit', gone);
    child.on('error', gone);
    child.once('disconnect', gone);
    this.touch();
    await ready;
  }

  /** A connect's outcome: the connected socket, or why there is none. */
  private answer(msg: { type: string; id: number; code?: string }, handle?: Socket): void {
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
  }

  private touch(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => this.stopHelper(), IDLE_MS);
    this.idle.unref();
  }
}

/** The port is someone else's in the sandbox: waiting will not free it. */
export class PortTakenError extends PaddockError {
  constructor() {
    super('driver_error', 'cannot listen there (EADDRINUSE)');
  }
}
