import type { Server, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { EGRESS_PROXY_PORT, PaddockError } from '@paddock/shared';
import { isJailRunning, type LauncherContext } from '../jail/launcher.js';
import { assertValidId } from '../jail/sandboxFiles.js';
import { LoopbackConnector, PortTakenError } from '../loopback/loopbackConnector.js';
import { openSandboxNetns } from '../loopback/sandboxNetns.js';
import type { DriverLogger } from './driverOptions.js';

/**
 * The host's ways into each sandbox's loopback: a connector per sandbox (previews connect
 * through it) and the egress proxy's listener, made at every boot and handed over by
 * serveEgress. Both belong to one boot: a new boot or a stop drops them.
 */
export class LoopbackDoors {
  private readonly connectors = new Map<string, LoopbackConnector>();
  /** Egress listeners made at each boot (a pool member's waits for its claim), handed over by
   * serveEgress. */
  private readonly earlyEgress = new Map<string, Promise<Server>>();
  private closed = false;

  constructor(
    private readonly jail: LauncherContext,
    private readonly log: DriverLogger,
  ) {}

  /** Start the egress listener of a boot in progress; serveEgress hands it over. */
  prepareEgress(id: string): void {
    const early = this.listenEgressOnceUp(id);
    early.catch((err: unknown) => {
      if (this.earlyEgress.get(id) === early) this.earlyEgress.delete(id);
      this.log.warn({ err, sandbox_id: id }, 'preparing egress failed');
    });
    this.earlyEgress.set(id, early);
  }

  /**
   * The proxy's listener is made inside the sandbox's network namespace (by the loopback
   * connector's helper) and held by the daemon, which accepts the sandbox's connections itself:
   * no relay inside, and only that sandbox can connect. Its processes cannot take the port.
   */
  async serveEgress(id: string, onConnection: (socket: Socket) => void): Promise<Server> {
    const record = this.jail.files.mustRead(id);
    if (!(await isJailRunning(this.jail, record))) {
      throw new PaddockError('driver_error', `sandbox ${id} is not running`);
    }
    const early = this.earlyEgress.get(id);
    this.earlyEgress.delete(id);
    const server = (await early?.catch(() => undefined)) ?? (await this.listenEgress(id));
    server.removeAllListeners('connection');
    server.on('connection', onConnection);
    return server;
  }

  connectPort(id: string, port: number, signal?: AbortSignal): Promise<Socket> | null {
    if (this.closed) return null;
    return this.connector(id).connect(port, signal);
  }

  /** Close a sandbox's connector and its not yet handed-over egress listener. */
  drop(id: string): void {
    this.connectors.get(id)?.close();
    this.connectors.delete(id);
    void this.earlyEgress.get(id)?.then(
      (server) => server.close(),
      () => undefined,
    );
    this.earlyEgress.delete(id);
  }

  /** No more doors: drop every one and refuse new ones. */
  close(): void {
    this.closed = true;
    for (const id of [...this.connectors.keys()]) this.drop(id);
  }

  /** Retried while the sandbox's namespace and its loopback come up (just after the spawn). */
  private async listenEgressOnceUp(id: string): Promise<Server> {
    const deadline = Date.now() + this.jail.bootTimeoutMs;
    for (;;) {
      try {
        return await this.listenEgress(id);
      } catch (err) {
        if (err instanceof PortTakenError || this.closed || Date.now() > deadline) throw err;
        await sleep(10);
      }
    }
  }

  /** The listener, refusing connections until serveEgress gives it a handler. */
  private async listenEgress(id: string): Promise<Server> {
    const server = await this.connector(id).listen(EGRESS_PROXY_PORT);
    server.on('connection', (socket: Socket) => socket.destroy());
    // Never what keeps the daemon running: its API listener does that.
    server.unref();
    return server;
  }

  private connector(id: string): LoopbackConnector {
    if (this.closed) throw new PaddockError('driver_error', 'the driver is closed');
    let connector = this.connectors.get(id);
    if (connector === undefined) {
      assertValidId(id);
      connector = new LoopbackConnector(
        () => openSandboxNetns(() => this.jail.cgroups.processes(id)),
        this.jail.host.nodePath,
      );
      this.connectors.set(id, connector);
    }
    return connector;
  }
}
