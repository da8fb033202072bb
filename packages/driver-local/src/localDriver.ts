import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Server, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AgentClient } from '@paddock/guest-agent';
import {
  AGENT_LIMITS,
  DEFAULT_LIMITS,
  EGRESS_PROXY_PORT,
  PaddockError,
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
import { AgentLogs } from './agentLogs.js';
import { pinnedSocketProblem } from './agentSocket.js';
import type { HostLayout } from './bwrapArgs.js';
import { detectCgroups, type SandboxCgroups } from './cgroups.js';
import { assertDiskBudget } from './diskBudget.js';
import { findHostTools, mustRun } from './hostCommands.js';
import { probeHostLayout } from './hostLayout.js';
import { KeyedQueue } from './keyedQueue.js';
import { isMountPoint } from './mountTable.js';
import { LoopbackConnector, PortTakenError } from './loopbackConnector.js';
import { bootSandbox, teardownSandbox, type LauncherContext } from './launcher.js';
import { AGENT_OOM_SCORE_ADJ, probeAgentOomScoreAdj } from './oomScore.js';
import { isAlive } from './procStat.js';
import { RuntimeFiles } from './runtimeFiles.js';
import { assertValidId, dataDirTag, SandboxStore, type SandboxRecord } from './sandboxState.js';
import { DEFAULT_UID_CLAIM_DIR, UidAllocator } from './sandboxUser.js';
import { assertUserNamespaces } from './userNamespaces.js';
import type { DriverLogger } from './warmPool.js';
import { WarmPools } from './warmPools.js';
import { WorkspaceDisk } from './workspaceDisk.js';

export type { DriverLogger } from './warmPool.js';

export interface LocalDriverOptions {
  /** The daemon's data dir; sandboxes live in `<dataDir>/sandboxes/<id>/`. */
  dataDir: string;
  /** The guest agent bundle (`AGENT_BUNDLE_PATH` of @paddock/guest-agent). */
  agentBundlePath: string;
  /** Pre-booted sandboxes with the pool limits; default 2, 0 disables the pool. */
  warmPoolSize?: number;
  /** Ids for new sandboxes (the daemon's `sb` + ULID). */
  newId: () => string;
  log?: DriverLogger;
  bwrapPath?: string;
  /** The node binary that runs the agent inside; default `process.execPath`. */
  nodePath?: string;
  /** Host-global runtime root for sockets, mount points and logs; default `/run/paddock`. */
  runtimeDir?: string;
  /** Where uids are claimed host-wide; default `/var/lib/paddock/uids`. */
  uidClaimDir?: string;
  /** Limits of warm pool members; a create whose disk_mb matches takes one. Default DEFAULT_LIMITS. */
  poolLimits?: SandboxLimits;
  /** How long a boot may take until the agent answers; default 10 s. */
  bootTimeoutMs?: number;
  /**
   * A host directory every sandbox sees read-only at /opt/paddock/cache (the shared cache of
   * agent CLIs and preset dependencies). It must exist and be world-searchable; unset: none.
   */
  sharedCacheDir?: string;
  /**
   * A CA certificate (PEM) every sandbox trusts besides the host's: the egress proxy's, which
   * it terminates TLS with for hosts that get a secret injected. Unset: only the host's CAs.
   */
  trustedCaPem?: string;
}

const silentLog: DriverLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * The local driver: each sandbox is a bubblewrap jail running the guest agent as its own
 * unprivileged uid, in its own cgroups, on its own loop-mounted ext4 workspace.
 */
export class LocalDriver implements SandboxDriver {
  readonly name = 'local';
  private readonly queue = new KeyedQueue();
  private readonly connectors = new Map<string, LoopbackConnector>();
  /** Egress listeners made at each boot (a pool member's waits for its claim), handed over by
   * serveEgress. */
  private readonly earlyEgress = new Map<string, Promise<Server>>();
  private closed = false;
  private readonly pool: WarmPools | null;
  private readonly poolLimits: SandboxLimits;
  private stopTrimmingLogs: () => void = () => undefined;

  private constructor(
    private readonly o: LocalDriverOptions,
    private readonly log: DriverLogger,
    private readonly ctx: LauncherContext,
    private readonly uids: UidAllocator,
    private readonly facts: { bwrapVersion: string; nodeVersion: string },
  ) {
    this.poolLimits = o.poolLimits ?? DEFAULT_LIMITS;
    const size = o.warmPoolSize ?? 2;
    this.pool =
      size > 0
        ? new WarmPools({
            size,
            flavorSize: 1,
            maxFlavors: 8,
            log,
            boot: (mounts) => this.bootPoolMember(mounts),
            destroy: (id) => this.destroy(id),
          })
        : null;
  }

  /** Check the host (bubblewrap, tools, cgroups, node), re-adopt what is running, fill the pool. */
  static async open(options: LocalDriverOptions): Promise<LocalDriver> {
    const log = options.log ?? silentLog;
    if (process.getuid?.() !== 0) {
      throw new PaddockError(
        'driver_error',
        'the local driver must run as root: it mounts workspaces, manages cgroups and drops each sandbox to its own uid',
      );
    }
    const bwrapPath = options.bwrapPath ?? '/usr/bin/bwrap';
    try {
      fs.accessSync(bwrapPath, fs.constants.X_OK);
    } catch {
      throw new PaddockError(
        'driver_error',
        'bubblewrap not found; install it with apt-get install bubblewrap',
      );
    }
    const bwrapVersion = (await mustRun(bwrapPath, ['--version']))
      .trim()
      .replace(/^bubblewrap\s+/, '');
    const tools = findHostTools();

    fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    const dataDir = fs.realpathSync(options.dataDir);
    const store = new SandboxStore(dataDir, options.runtimeDir ?? '/run/paddock');
    store.assertSocketPathFits(options.newId());
    store.ensureDirs();

    const cgroups = await detectCgroups(`paddock-${dataDirTag(dataDir)}`);
    const nodePath = options.nodePath ?? process.execPath;
    const host: HostLayout = probeHostLayout(nodePath);
    const nodeVersion = (await mustRun(host.nodePath, ['--version'])).trim();
    await assertUserNamespaces(bwrapPath, tools);
    const agentOomScoreAdj = await probeAgentOomScoreAdj();
    if (agentOomScoreAdj === null) {
      log.warn(
        { wanted: AGENT_OOM_SCORE_ADJ },
        'this host does not let the daemon lower oom_score_adj (no CAP_SYS_RESOURCE); sandbox agents keep the default and are ordinary OOM candidates',
      );
    }

    const runtime = new RuntimeFiles(store, tools);
    const shared = runtime.prepareShared(options.agentBundlePath, options.trustedCaPem ?? null);
    const uids = new UidAllocator({ claimDir: options.uidClaimDir ?? DEFAULT_UID_CLAIM_DIR });
    const ctx: LauncherContext = {
      store,
      cgroups,
      disk: new WorkspaceDisk(tools),
      runtime,
      logs: new AgentLogs(store),
      tools,
      host,
      shared,
      bwrapPath,
      bootTimeoutMs: options.bootTimeoutMs ?? 10_000,
      agentOomScoreAdj,
      sharedCache: options.sharedCacheDir ?? null,
    };
    const driver = new LocalDriver(options, log, ctx, uids, { bwrapVersion, nodeVersion });
    await driver.reconcile();
    driver.stopTrimmingLogs = ctx.logs.startTrimming();
    driver.pool?.refill();
    return driver;
  }

  private get store(): SandboxStore {
    return this.ctx.store;
  }

  private get cgroups(): SandboxCgroups {
    return this.ctx.cgroups;
  }

  describe(): DriverDescription {
    return {
      driver: 'local',
      cgroup: this.cgroups.version,
      details: {
        bwrap_version: this.facts.bwrapVersion,
        bwrap_path: this.ctx.bwrapPath,
        node_path: this.ctx.host.nodePath,
        node_version: this.facts.nodeVersion,
        kernel: os.release(),
        data_dir: this.store.dataDir,
        runtime_dir: this.store.runtimeDir,
        uid_claim_dir: this.uids.claimDir,
        warm_pool_size: this.pool?.size ?? 0,
        warm_pool_ready: this.pool?.readyCount ?? 0,
        // What each agent runs with: the lowered score, or the daemon's own when the host refuses.
        agent_oom_score_adj: this.ctx.agentOomScoreAdj ?? ownOomScoreAdj(),
        agent_oom_protected: this.ctx.agentOomScoreAdj !== null,
        ...this.cgroups.describe(),
      },
    };
  }

  async create(spec: SandboxSpec): Promise<SandboxRuntime> {
    const mounts = checkMounts(spec.mounts);
    // A running jail cannot gain a mount: members are booted with the mount set they serve.
    if (this.pool !== null && spec.limits.disk_mb === this.poolLimits.disk_mb) {
      for (let id = this.pool.take(mounts); id !== undefined; id = this.pool.take(mounts)) {
        const claimed = id;
        try {
          return await this.queue.run(claimed, () => this.claim(claimed, spec.limits));
        } catch (err) {
          this.log.warn({ err, sandbox_id: claimed }, 'warm pool member unusable; destroying it');
          void this.destroy(claimed).catch(() => undefined);
        }
      }
    }
    const id = this.o.newId();
    assertValidId(id);
    this.store.assertSocketPathFits(id);
    await this.queue.run(id, () => this.createSandbox(id, spec.limits, false, mounts));
    return { id, pooled: false };
  }

  async start(id: string, spec: SandboxSpec): Promise<SandboxRuntime> {
    assertValidId(id);
    return this.queue.run(id, async () => {
      const mounts = checkMounts(spec.mounts);
      const record = { ...this.mustRead(id), mounts };
      const limits = { ...spec.limits, disk_mb: record.limits.disk_mb };
      if (spec.limits.disk_mb !== record.limits.disk_mb) {
        this.log.warn(
          { sandbox_id: id, disk_mb: record.limits.disk_mb, requested: spec.limits.disk_mb },
          'workspace images are not resized; keeping the existing size',
        );
      }
      if (await this.isRunning(record)) {
        await this.cgroups.setLimits(id, limits);
        this.store.write({ ...record, limits });
      } else {
        await this.boot({ ...record, limits }, false);
      }
      return { id, pooled: record.pooled };
    });
  }

  async stop(id: string, options: { graceMs?: number } = {}): Promise<void> {
    assertValidId(id);
    this.dropConnector(id);
    await this.queue.run(id, async () => {
      const record = this.store.read(id);
      if (record === null) return;
      if (await this.isRunning(record)) {
        await this.shutdownAgent(id, options.graceMs ?? AGENT_LIMITS.defaultShutdownGraceMs);
      }
      await teardownSandbox(this.ctx, id, record.boot);
      if (record.boot !== null) {
        this.store.write({ ...record, boot: null, stopped_at: new Date().toISOString() });
      }
      // Again: one made while the sandbox was stopping entered the namespace now gone.
      this.dropConnector(id);
    });
  }

  async destroy(id: string): Promise<void> {
    assertValidId(id);
    await this.queue.run(id, () => this.destroyNow(id));
  }

  async updateLimits(id: string, limits: SandboxLimits): Promise<void> {
    assertValidId(id);
    await this.queue.run(id, async () => {
      const record = this.mustRead(id);
      const next = { ...limits, disk_mb: record.limits.disk_mb };
      if (this.cgroups.exists(id)) await this.cgroups.setLimits(id, next);
      this.store.write({ ...record, limits: next });
    });
  }

  async withWorkspace<T>(id: string, fn: (workspace: HostWorkspace) => Promise<T>): Promise<T> {
    assertValidId(id);
    return this.queue.run(id, async () => {
      const record = this.mustRead(id);
      const owner = { uid: record.uid, gid: record.gid };
      if (await this.isRunning(record)) {
        const frozen = await this.cgroups.freeze(id);
        try {
          return await fn({
            ...owner,
            root: this.store.paths(id).workspaceDir,
            quiesced: frozen,
            frozen,
          });
        } finally {
          if (frozen) await this.cgroups.thaw(id);
        }
      }
      // Not running, but maybe not torn down yet (its agent just died): finish that first, or
      // the image would be mounted twice, two ext4 instances on one file.
      if (record.boot !== null || isMountPoint(this.store.paths(id).workspaceDir)) {
        await teardownSandbox(this.ctx, id, record.boot);
        this.store.write({ ...record, boot: null, stopped_at: new Date().toISOString() });
      }
      const image = this.store.imageFile(id);
      const mountPoint = this.store.offlineWorkspaceDir(id);
      await this.ctx.disk.mount(image, mountPoint, false);
      try {
        return await fn({ ...owner, root: mountPoint, quiesced: true, frozen: false });
      } finally {
        await this.ctx.disk.unmount(image, mountPoint);
        fs.rmdirSync(mountPoint);
      }
    });
  }

  async writeRunFile(id: string, name: string, content: string): Promise<void> {
    assertValidId(id);
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(name)) {
      throw new PaddockError('driver_error', `invalid run file name "${name}"`);
    }
    const record = this.mustRead(id);
    if (!(await this.isRunning(record))) {
      throw new PaddockError('driver_error', `sandbox ${id} is not running`);
    }
    // The run dir belongs to the sandbox's user, who may plant links in it: a fresh random name
    // made with O_EXCL|O_NOFOLLOW, then a rename over the target (which replaces a link, never
    // follows it).
    const dir = this.store.paths(id).runDir;
    const tmp = path.join(dir, `.${name}.${crypto.randomBytes(8).toString('hex')}`);
    const fd = fs.openSync(
      tmp,
      fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
      0o400,
    );
    try {
      fs.writeSync(fd, content);
      fs.fchownSync(fd, record.uid, record.gid);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path.join(dir, name));
  }

  /**
   * The proxy's listener is made inside the sandbox's network namespace (by the loopback
   * connector's helper) and held by the daemon, which accepts the sandbox's connections itself:
   * no relay inside, and only that sandbox can connect. Its processes cannot take the port.
   */
  async serveEgress(id: string, onConnection: (socket: Socket) => void): Promise<Server> {
    const record = this.mustRead(id);
    if (!(await this.isRunning(record))) {
      throw new PaddockError('driver_error', `sandbox ${id} is not running`);
    }
    const early = this.earlyEgress.get(id);
    this.earlyEgress.delete(id);
    const server = (await early?.catch(() => undefined)) ?? (await this.listenEgress(id));
    server.removeAllListeners('connection');
    server.on('connection', onConnection);
    return server;
  }

  /** The listener, refusing connections until serveEgress gives it a handler. */
  private async listenEgress(id: string): Promise<Server> {
    const server = await this.connector(id).listen(EGRESS_PROXY_PORT);
    server.on('connection', (socket: Socket) => socket.destroy());
    // Never what keeps the daemon running: its API listener does that.
    server.unref();
    return server;
  }

  connectPort(id: string, port: number, signal?: AbortSignal): Promise<Socket> | null {
    if (this.closed) return null;
    return this.connector(id).connect(port, signal);
  }

  private connector(id: string): LoopbackConnector {
    if (this.closed) throw new PaddockError('driver_error', 'the driver is closed');
    let connector = this.connectors.get(id);
    if (connector === undefined) {
      assertValidId(id);
      connector = new LoopbackConnector(() => this.openNetns(id), this.ctx.host.nodePath);
      this.connectors.set(id, connector);
    }
    return connector;
  }

  /**
   * The sandbox's network namespace, opened from one of its processes. The fd is then checked
   * against the group's processes again, so a pid reused between listing and opening cannot
   * hand out another namespace.
   */
  private async openNetns(id: string): Promise<number | null> {
    const own = fs.readlinkSync('/proc/self/ns/net');
    const nsOf = (pid: number): string | null => {
      try {
        return fs.readlinkSync(`/proc/${pid}/ns/net`);
      } catch {
        return null;
      }
    };
    for (const pid of await this.cgroups.processes(id)) {
      const ns = nsOf(pid);
      if (ns === null || ns === own) continue;
      let fd: number;
      try {
        fd = fs.openSync(`/proc/${pid}/ns/net`, 'r');
      } catch {
        continue;
      }
      const opened = `net:[${fs.fstatSync(fd).ino}]`;
      if (opened !== own && (await this.cgroups.processes(id)).some((p) => nsOf(p) === opened)) {
        return fd;
      }
      fs.closeSync(fd);
    }
    return null;
  }

  async inspect(id: string): Promise<SandboxObservation> {
    const idle = { id, oom_kills: 0, memory_bytes: null, pids: null };
    try {
      assertValidId(id);
    } catch {
      return { ...idle, state: 'missing' };
    }
    if (!this.store.exists(id)) return { ...idle, state: 'missing' };
    const record = this.store.read(id);
    if (record === null || !(await this.isRunning(record))) return { ...idle, state: 'stopped' };
    const stats = await this.cgroups.stats(id);
    return {
      id,
      state: 'running',
      oom_kills: stats.oomKills,
      memory_bytes: stats.memoryBytes,
      pids: stats.pids,
    };
  }

  async list(): Promise<SandboxObservation[]> {
    const out: SandboxObservation[] = [];
    for (const id of this.store.ids()) {
      const record = this.store.read(id);
      if (record === null || (record.pooled && !record.claimed)) continue;
      out.push(await this.inspect(id));
    }
    return out;
  }

  /**
   * The pinned link to the agent's socket, never the socket dir the sandbox can write to: see
   * agentSocket.ts.
   */
  agentEndpoint(id: string): AgentEndpoint {
    assertValidId(id);
    return { transport: 'unix', socketPath: this.store.socketPath(id) };
  }

  /** Destroy unclaimed pool members; every other sandbox keeps running. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopTrimmingLogs();
    for (const id of [...this.connectors.keys()]) this.dropConnector(id);
    await this.pool?.close();
    await this.queue.idle();
    await this.cgroups.removeParent();
    this.ctx.runtime.removeSharedIfUnused();
  }

  // --- internals ---------------------------------------------------------------------------

  private mustRead(id: string): SandboxRecord {
    const record = this.store.read(id);
    if (record === null) throw new PaddockError('driver_error', `no sandbox ${id} on this host`);
    return record;
  }

  /** Running = the recorded boot process (same start time) is alive and the group is not empty. */
  private async isRunning(record: SandboxRecord): Promise<boolean> {
    if (record.boot === null || !isAlive(record.boot)) return false;
    return (await this.cgroups.processes(record.id)).length > 0;
  }

  private async createSandbox(
    id: string,
    limits: SandboxLimits,
    pooled: boolean,
    mounts: WorkspaceMount[] = [],
  ): Promise<void> {
    try {
      this.store.createStateDir(id);
    } catch (err) {
      throw new PaddockError('driver_error', `cannot create sandbox dir for ${id}: ${String(err)}`);
    }
    try {
      const uid = this.uids.allocate({ data_dir: this.store.dataDir, sandbox_id: id });
      const now = new Date().toISOString();
      const record = this.store.write({
        version: 1,
        id,
        uid,
        gid: uid,
        limits: { ...limits },
        pooled,
        claimed: !pooled,
        boot: null,
        mounts,
        created_at: now,
        updated_at: now,
        started_at: null,
        stopped_at: null,
      });
      // Admission and the image's creation in one tick (no await between them), so concurrent
      // creates cannot all be admitted against the same free space. Refusals are
      // insufficient_storage; the catch below removes what was made so far.
      assertDiskBudget(
        this.store.dataDir,
        this.store.ids().map((other) => this.store.imageFile(other)),
        limits.disk_mb * 1024 * 1024,
      );
      await this.ctx.disk.create(this.store.imageFile(id), limits.disk_mb, uid, uid);
      await this.boot(record, true);
    } catch (err) {
      await this.destroyNow(id).catch((e: unknown) =>
        this.log.error({ err: e, sandbox_id: id }, 'cleanup after a failed create failed'),
      );
      throw err;
    }
  }

  private async boot(record: SandboxRecord, fresh: boolean): Promise<void> {
    // A connector from an earlier boot would enter that boot's namespace, not this one's.
    this.dropConnector(record.id);
    let current = record;
    try {
      const boot = await bootSandbox(this.ctx, record, fresh, (b) => {
        current = this.store.write({ ...record, boot: b });
        // The egress listener while the agent starts, so before the caller hears the sandbox
        // runs (and before anything in it runs but the agent); serveEgress hands it over.
        this.prepareEgress(record.id);
      });
      this.store.write({
        ...current,
        boot,
        started_at: new Date().toISOString(),
        stopped_at: null,
      });
    } catch (err) {
      this.store.write({ ...current, boot: null });
      this.dropConnector(record.id);
      throw err;
    }
  }

  private prepareEgress(id: string): void {
    const early = this.listenEgressOnceUp(id);
    early.catch((err: unknown) => {
      if (this.earlyEgress.get(id) === early) this.earlyEgress.delete(id);
      this.log.warn({ err, sandbox_id: id }, 'preparing egress failed');
    });
    this.earlyEgress.set(id, early);
  }

  /** Retried while the sandbox's namespace and its loopback come up (just after the spawn). */
  private async listenEgressOnceUp(id: string): Promise<Server> {
    const deadline = Date.now() + this.ctx.bootTimeoutMs;
    for (;;) {
      try {
        return await this.listenEgress(id);
      } catch (err) {
        if (err instanceof PortTakenError || this.closed || Date.now() > deadline) throw err;
        await sleep(10);
      }
    }
  }

  private async bootPoolMember(mounts: WorkspaceMount[]): Promise<string> {
    const id = this.o.newId();
    assertValidId(id);
    await this.queue.run(id, () => this.createSandbox(id, this.poolLimits, true, mounts));
    // One throwaway exec compiles the agent's exec path, so the claimer's first exec is not the
    // one that pays for V8's lazy compilation.
    const client = new AgentClient(this.agentEndpoint(id));
    try {
      await client.exec({ argv: ['true'], timeout_ms: 5_000 });
    } catch (err) {
      this.log.warn({ err, sandbox_id: id }, 'warm pool: warm-up exec failed');
    } finally {
      client.close();
    }
    return id;
  }

  /** Turn a pool member into the caller's sandbox: its limits, and claimed in state.json. */
  private async claim(id: string, limits: SandboxLimits): Promise<SandboxRuntime> {
    const record = this.mustRead(id);
    if (!(await this.isRunning(record))) throw new Error('pool member is not running');
    const next = { ...limits, disk_mb: record.limits.disk_mb };
    // Most creates ask for the defaults the member already has; cgroup writes are not free.
    if (!sameLimits(next, record.limits)) await this.cgroups.setLimits(id, next);
    this.store.write({ ...record, limits: next, claimed: true });
    return { id, pooled: true };
  }

  /** Ask the agent to stop its children and exit; whatever is left is killed by the caller. */
  private async shutdownAgent(id: string, graceMs: number): Promise<void> {
    const client = new AgentClient(this.agentEndpoint(id));
    try {
      await Promise.race([client.shutdown(graceMs), sleep(2_000)]);
      const deadline = Date.now() + graceMs + 2_000;
      while ((await this.cgroups.processes(id)).length > 0 && Date.now() < deadline)
        await sleep(25);
    } catch (err) {
      this.log.warn({ err, sandbox_id: id }, 'graceful shutdown failed; killing the sandbox');
    } finally {
      client.close();
    }
  }

  private async detachOffline(id: string): Promise<void> {
    const mountPoint = this.store.offlineWorkspaceDir(id);
    if (!fs.existsSync(mountPoint)) return;
    await this.ctx.disk.unmount(this.store.imageFile(id), mountPoint);
    fs.rmdirSync(mountPoint);
  }

  private dropConnector(id: string): void {
    this.connectors.get(id)?.close();
    this.connectors.delete(id);
    void this.earlyEgress.get(id)?.then(
      (server) => server.close(),
      () => undefined,
    );
    this.earlyEgress.delete(id);
  }

  private async destroyNow(id: string): Promise<void> {
    this.dropConnector(id);
    this.pool?.forget(id);
    const record = this.store.read(id);
    await teardownSandbox(this.ctx, id, record?.boot ?? null);
    await this.detachOffline(id);
    await this.ctx.disk.remove(this.store.imageFile(id), this.store.paths(id).workspaceDir);
    this.store.removeStateDir(id);
    await this.ctx.runtime.unmount(id);
    for (const claim of this.uids.claimsOf(this.store.dataDir)) {
      if (claim.sandbox_id === id) {
        this.uids.release(claim.uid, { data_dir: this.store.dataDir, sandbox_id: id });
      }
    }
  }

  /**
   * After a daemon restart: running sandboxes are adopted as they are, dead ones are cleaned
   * (processes, mounts, cgroups) and marked stopped, stale pool members and half-created dirs
   * are removed, and uid claims of sandboxes that no longer exist are released.
   */
  private async reconcile(): Promise<void> {
    for (const id of this.store.ids()) {
      const record = this.store.read(id);
      try {
        // A crash during withWorkspace: the image must not stay mounted twice.
        await this.detachOffline(id);
        if (record === null || (record.pooled && !record.claimed)) {
          await this.destroyNow(id);
        } else if (await this.isRunning(record)) {
          const problem = pinnedSocketProblem(this.store.socketPath(id), record.uid);
          if (problem === null) {
            // A daemon that died inside withWorkspace left it frozen.
            await this.cgroups.thaw(id);
            this.log.info({ sandbox_id: id }, 're-adopted running sandbox');
            continue;
          }
          // Booted without a pinned socket (an older driver) or tampered with: the sandbox's
          // own socket path cannot be trusted now that its code has run, so stop it; a start
          // boots it again with a fresh pin.
          this.log.warn(
            { sandbox_id: id, problem },
            'running sandbox has no usable pinned agent socket; stopping it',
          );
          await teardownSandbox(this.ctx, id, record.boot);
          this.store.write({ ...record, boot: null, stopped_at: new Date().toISOString() });
        } else {
          await teardownSandbox(this.ctx, id, record.boot);
          if (record.boot !== null) {
            this.store.write({ ...record, boot: null, stopped_at: new Date().toISOString() });
          }
        }
      } catch (err) {
        this.log.error({ err, sandbox_id: id }, 'reconciling a sandbox failed');
      }
    }
    for (const claim of this.uids.claimsOf(this.store.dataDir)) {
      if (!this.store.exists(claim.sandbox_id)) {
        this.uids.release(claim.uid, {
          data_dir: this.store.dataDir,
          sandbox_id: claim.sandbox_id,
        });
      }
    }
  }
}

const MOUNT_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;

/** Mount names are one path segment inside the workspace; sources are existing host dirs. */
function checkMounts(mounts: WorkspaceMount[] | undefined): WorkspaceMount[] {
  for (const m of mounts ?? []) {
    if (!MOUNT_NAME.test(m.name)) {
      throw new PaddockError('driver_error', `invalid workspace mount name "${m.name}"`);
    }
    if (
      !path.isAbsolute(m.source) ||
      !fs.statSync(m.source, { throwIfNoEntry: false })?.isDirectory()
    ) {
      throw new PaddockError(
        'driver_error',
        `workspace mount source ${m.source} is not a directory`,
      );
    }
  }
  return (mounts ?? []).map((m) => ({ source: m.source, name: m.name }));
}

function sameLimits(a: SandboxLimits, b: SandboxLimits): boolean {
  return (
    a.memory_mb === b.memory_mb && a.pids === b.pids && a.cpus === b.cpus && a.disk_mb === b.disk_mb
  );
}

function ownOomScoreAdj(): number {
  try {
    return Number(fs.readFileSync('/proc/self/oom_score_adj', 'utf8').trim());
  } catch {
    return 0;
  }
}
