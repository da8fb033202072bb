import type { Server, Socket } from 'node:net';
import {
  AGENT_LIMITS,
  DEFAULT_LIMITS,
  KeyedQueue,
  type AgentEndpoint,
  type DriverDescription,
  type HostWorkspace,
  type SandboxDriver,
  type SandboxLimits,
  type SandboxObservation,
  type SandboxRuntime,
  type SandboxSpec,
  type WorkspaceMount,
} from '@paddock/shared';
import { assertValidId } from '../jail/sandboxFiles.js';
import { checkMounts } from '../jail/workspaceMounts.js';
import { checkDataMounts } from '../jail/dataMounts.js';
import { WarmPools } from '../pool/warmPools.js';
import { reconcile } from './adoption.js';
import { claimMember, createSandbox, startNow, warmUp } from './boot.js';
import { silentLog, type LocalDriverOptions } from './driverOptions.js';
import type { DriverParts } from './driverParts.js';
import { withWorkspace, writeRunFile } from './hostAccess.js';
import { describeDriver, inspect, list } from './inspection.js';
import { LoopbackDoors } from './loopbackDoors.js';
import { openHost, type HostFacts } from './openHost.js';
import { destroyNow, stopNow } from './teardown.js';

/**
 * The local driver: each sandbox is a bubblewrap jail running the guest agent as its own
 * unprivileged uid, in its own cgroups, on its own loop-mounted ext4 workspace. This class is
 * the entry: it serializes the operations on each sandbox and hands them to the driver's rooms
 * (boot, teardown, adoption, inspection, host access, loopback doors).
 */
export class LocalDriver implements SandboxDriver {
  readonly name = 'local';
  private readonly queue = new KeyedQueue();
  private readonly d: DriverParts;
  private readonly poolLimits: SandboxLimits;
  private stopTrimmingLogs: () => void = () => undefined;

  private constructor(
    private readonly o: LocalDriverOptions,
    parts: Omit<DriverParts, 'doors' | 'pool'>,
    private readonly facts: HostFacts,
  ) {
    this.poolLimits = o.poolLimits ?? DEFAULT_LIMITS;
    const size = o.warmPoolSize ?? 2;
    const pool =
      size > 0
        ? new WarmPools({
            size,
            flavorSize: 1,
            maxFlavors: 8,
            log: parts.log,
            boot: (mounts) => this.bootPoolMember(mounts),
            destroy: (id) => this.destroy(id),
          })
        : null;
    this.d = { ...parts, doors: new LoopbackDoors(parts.jail, parts.log), pool };
  }

  /** Check the host (bubblewrap, tools, cgroups, node), re-adopt what is running, fill the pool. */
  static async open(options: LocalDriverOptions): Promise<LocalDriver> {
    const log = options.log ?? silentLog;
    const { jail, uids, facts } = await openHost(options, log);
    const driver = new LocalDriver(options, { jail, uids, log }, facts);
    await reconcile(driver.d);
    driver.stopTrimmingLogs = jail.logs.startTrimming();
    driver.d.pool?.refill();
    return driver;
  }

  describe(): DriverDescription {
    return describeDriver(this.d, this.facts);
  }

  async create(spec: SandboxSpec): Promise<SandboxRuntime> {
    const mounts = checkMounts(spec.mounts);
    const dataMounts = checkDataMounts(spec.dataMounts);
    const { pool, log, jail } = this.d;
    // A running jail cannot gain a mount: members are booted with the mount set they serve.
    // Data mounts are per sandbox (an owner's filestores), so those sandboxes boot cold.
    if (
      pool !== null &&
      dataMounts.length === 0 &&
      spec.limits.disk_mb === this.poolLimits.disk_mb
    ) {
      for (let id = pool.take(mounts); id !== undefined; id = pool.take(mounts)) {
        const claimed = id;
        try {
          return await this.queue.run(claimed, () => claimMember(this.d, claimed, spec.limits));
        } catch (err) {
          log.warn({ err, sandbox_id: claimed }, 'warm pool member unusable; destroying it');
          void this.destroy(claimed).catch(() => undefined);
        }
      }
    }
    const id = this.o.newId();
    assertValidId(id);
    jail.files.assertSocketPathFits(id);
    await this.queue.run(id, () =>
      createSandbox(this.d, id, spec.limits, false, mounts, dataMounts),
    );
    return { id, pooled: false };
  }

  async start(id: string, spec: SandboxSpec): Promise<SandboxRuntime> {
    assertValidId(id);
    return this.queue.run(id, () => startNow(this.d, id, spec));
  }

  async stop(id: string, options: { graceMs?: number } = {}): Promise<void> {
    assertValidId(id);
    this.d.doors.drop(id);
    const graceMs = options.graceMs ?? AGENT_LIMITS.defaultShutdownGraceMs;
    await this.queue.run(id, () => stopNow(this.d, id, graceMs));
  }

  async destroy(id: string): Promise<void> {
    assertValidId(id);
    await this.queue.run(id, () => destroyNow(this.d, id));
  }

  async updateLimits(id: string, limits: SandboxLimits): Promise<void> {
    assertValidId(id);
    const { files, cgroups } = this.d.jail;
    await this.queue.run(id, async () => {
      const record = files.mustRead(id);
      const next = { ...limits, disk_mb: record.limits.disk_mb };
      if (cgroups.exists(id)) await cgroups.setLimits(id, next);
      files.write({ ...record, limits: next });
    });
  }

  async withWorkspace<T>(id: string, fn: (workspace: HostWorkspace) => Promise<T>): Promise<T> {
    assertValidId(id);
    return this.queue.run(id, () => withWorkspace(this.d, id, fn));
  }

  async writeRunFile(id: string, name: string, content: string): Promise<void> {
    assertValidId(id);
    await writeRunFile(this.d, id, name, content);
  }

  serveEgress(id: string, onConnection: (socket: Socket) => void): Promise<Server> {
    return this.d.doors.serveEgress(id, onConnection);
  }

  connectPort(id: string, port: number, signal?: AbortSignal): Promise<Socket> | null {
    return this.d.doors.connectPort(id, port, signal);
  }

  inspect(id: string): Promise<SandboxObservation> {
    return inspect(this.d, id);
  }

  list(): Promise<SandboxObservation[]> {
    return list(this.d);
  }

  /**
   * The pinned link to the agent's socket, never the socket dir the sandbox can write to: see
   * jail/agentSocket.ts.
   */
  agentEndpoint(id: string): AgentEndpoint {
    assertValidId(id);
    return { transport: 'unix', socketPath: this.d.jail.files.socketPath(id) };
  }

  /** Destroy unclaimed pool members; every other sandbox keeps running. */
  async close(): Promise<void> {
    this.d.doors.close();
    this.stopTrimmingLogs();
    await this.d.pool?.close();
    await this.queue.idle();
    await this.d.jail.cgroups.removeParent();
    this.d.jail.runtime.removeSharedIfUnused();
  }

  private async bootPoolMember(mounts: WorkspaceMount[]): Promise<string> {
    const id = this.o.newId();
    assertValidId(id);
    await this.queue.run(id, () => createSandbox(this.d, id, this.poolLimits, true, mounts));
    await warmUp(this.d, id);
    return id;
  }
}
