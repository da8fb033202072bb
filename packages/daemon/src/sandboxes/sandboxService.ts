import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { AgentClients, type AgentClient } from '@paddock/guest-agent';
import {
  KeyedQueue,
  failpoint,
  PaddockError,
  type CreateSandboxBody,
  type SandboxDriver,
  type SandboxLimits,
  type WorkspaceMount,
} from '@paddock/shared';
import { because, refusable, type Refusals } from '../audit/auditCause.js';
import type { EventLog } from '../events/eventLog.js';
import type { DaemonMetrics } from '../http/metrics.js';
import type { SandboxAdmission } from '../quotas/index.js';

import { asDriverError, checkCreate } from './sandboxRequest.js';
import { SandboxActivity } from './sandboxActivity.js';
import { recordDeadSandbox } from './sandboxFailure.js';
import type { SandboxLifecycle } from './sandboxLifecycle.js';
import { reconcileSandboxes, type ReconcileResult } from './sandboxReconcile.js';
import {
  rowLimits,
  type SandboxQuery,
  type SandboxRow,
  type SandboxStore,
} from './sandboxStore.js';

export interface SandboxServiceOptions {
  store: SandboxStore;
  driver: SandboxDriver;
  events: EventLog;
  metrics: DaemonMetrics;
  log: FastifyBaseLogger;
  defaultLimits: SandboxLimits;
  maxLimits: SandboxLimits;
  lifecycle: SandboxLifecycle;
  /** Told each create or start refused (a limit, a quota): the audit records those. */
  refusals?: Refusals;
  /** Owner quotas: a create or start past one is refused before anything changes. */
  admission: SandboxAdmission;
  agentTimeoutMs?: number; // PADDOCK_AGENT_TIMEOUT_SECONDS, in ms (AgentClient's answer deadline)
}

/** Writes a new sandbox's first files (a snapshot's, a checkpoint's) before it is answered. */
export type SandboxFiller = (row: SandboxRow) => Promise<void>;

/**
 * The sandbox lifecycle: the only place that changes a sandbox's state through the driver, keeps
 * the store in step with what the driver observes, and hands out guest-agent clients for running
 * sandboxes (noticing when an agent is gone). Commands run through ExecService; what happens
 * around a boot is told through the SandboxLifecycle it emits on.
 */
export class SandboxService {
  private readonly lock = new KeyedQueue();
  private readonly clients: AgentClients;
  private readonly activity: SandboxActivity;
  private readonly lifecycle: SandboxLifecycle;
  private readonly waking = new Map<string, Promise<void>>();

  constructor(private readonly o: SandboxServiceOptions) {
    this.activity = new SandboxActivity(o.store);
    this.clients = new AgentClients(o.driver, { answerTimeoutMs: o.agentTimeoutMs });
    this.lifecycle = o.lifecycle;
  }

  /** True while a wake started by a preview request is under way. */
  isWaking(id: string): boolean {
    return this.waking.has(id);
  }

  /** For changes made elsewhere that observers of the row care about (an app's visibility). */
  noteChanged(id: string): void {
    this.lifecycle.changed(id);
  }

  reconcile(): Promise<ReconcileResult> {
    return reconcileSandboxes(this.o);
  }

  get maxLimits(): SandboxLimits {
    return { ...this.o.maxLimits };
  }

  create(...args: Parameters<SandboxService['createNow']>): Promise<SandboxRow> {
    return refusable(this.o.refusals, 'sandbox.create', null, () => this.createNow(...args));
  }

  private async createNow(
    owner: string,
    body: CreateSandboxBody,
    options: {
      app?: { id: string; preset: string | null };
      /** Without an app: the preset whose runtime (dependencies, egress baseline) it has. */
      preset?: string;
      mounts?: WorkspaceMount[];
      /**
       * Fills the new workspace before anything runs in it (a snapshot's files). The sandbox
       * counts as seeded then: a preset template never lands on top. A failure removes it.
       */
      prepare?: SandboxFiller;
    } = {},
  ): Promise<SandboxRow> {
    const { limits, env } = checkCreate(body, this.o.defaultLimits, this.o.maxLimits);
    const admitted = await this.o.admission.admit(owner, { limits });
    const started = performance.now();
    const data = await this.lifecycle.dataMounts
      .prepare(owner, body.filestores ?? [])
      .catch((err: unknown) => {
        admitted.release();
        throw err;
      });
    let runtime;
    try {
      const spec = { limits, mounts: options.mounts ?? [], dataMounts: data.mounts };
      runtime = await this.o.driver.create(spec);
      failpoint('sandbox.create.driven');
    } catch (err) {
      await data.release();
      admitted.release();
      this.o.metrics.sandboxOps.inc({ op: 'create', result: 'error' });
      throw asDriverError(err, 'create');
    }
    let row: SandboxRow;
    try {
      row = await this.o.store.insert({
        id: runtime.id,
        owner,
        status: 'running',
        limits,
        env,
        metadata: body.metadata ?? {},
        ...(options.app ? { app: options.app } : {}),
        ...(options.preset ? { preset: options.preset } : {}),
        filling: options.prepare !== undefined,
      });
      await data.bind(row.id);
      failpoint('sandbox.create.recorded');
      admitted.release(); // its row counts it from here
      if (options.prepare) {
        await options.prepare(row);
        failpoint('sandbox.create.filled');
        row = await this.o.store.markFilled(row.id);
      }
    } catch (err) {
      admitted.release();
      await this.o.driver.destroy(runtime.id).catch(() => undefined);
      await this.lifecycle.dataMounts.halted(runtime.id);
      await data.release();
      const now = new Date().toISOString();
      await this.o.store
        .update(runtime.id, { status: 'deleted', deleted_at: now, status_reason: 'create failed' })
        .catch(() => undefined);
      throw err;
    }
    this.o.metrics.sandboxOps.inc({ op: 'create', result: 'ok' });
    this.o.metrics.createSeconds.observe(
      { pooled: String(runtime.pooled) },
      (performance.now() - started) / 1000,
    );
    await this.o.events.append({
      owner,
      sandboxId: row.id,
      type: 'sandbox.created',
      message: 'Sandbox created',
      payload: { limits, pooled: runtime.pooled, env_keys: Object.keys(env).sort() },
    });
    await this.lifecycle.booted(row);
    return (await this.o.store.get(owner, row.id)) ?? row;
  }

  async get(owner: string, id: string): Promise<SandboxRow> {
    const row = await this.o.store.get(owner, id);
    if (!row) throw new PaddockError('not_found', `no sandbox ${id}`);
    return row;
  }

  list(owner: string, q: SandboxQuery) {
    return this.o.store.list(owner, q);
  }

  async stop(
    owner: string,
    id: string,
    graceMs?: number,
    why: { reason: 'api' | 'idle'; text: string } = {
      reason: 'api',
      text: 'stopped through the API',
    },
  ): Promise<SandboxRow> {
    await this.get(owner, id);
    return this.lock.run(id, () => this.stopNow(owner, id, graceMs, why));
  }

  /** stop() without taking the lock: for callers that hold it. */
  private async stopNow(
    owner: string,
    id: string,
    graceMs: number | undefined,
    why: { reason: 'api' | 'idle'; text: string },
  ): Promise<SandboxRow> {
    const row = await this.get(owner, id);
    if (row.status === 'stopped') return row;
    this.lifecycle.stopping(id);
    await this.o.store.update(id, { status: 'stopping' });
    failpoint('sandbox.stop.marked');
    this.clients.drop(id);
    this.lifecycle.ended(id);
    try {
      await this.o.driver.stop(id, graceMs === undefined ? {} : { graceMs });
      failpoint('sandbox.stop.halted');
    } catch (err) {
      await this.o.store.update(id, { status: 'failed', status_reason: 'stop failed' });
      throw asDriverError(err, 'stop');
    }
    await this.lifecycle.dataMounts.halted(id);
    this.o.metrics.sandboxOps.inc({ op: 'stop', result: 'ok' });
    await this.o.events.append({
      owner,
      sandboxId: id,
      type: why.reason === 'idle' ? 'sandbox.idle_stopped' : 'sandbox.stopped',
      message: why.reason === 'idle' ? `Sandbox stopped: ${why.text}` : 'Sandbox stopped',
      payload: { reason: why.reason },
    });
    const stopped = await this.o.store.update(id, {
      status: 'stopped',
      status_reason: why.text,
      stopped_at: new Date().toISOString(),
    });
    this.lifecycle.changed(id);
    return stopped;
  }

  /** Marks the sandbox active now (see SandboxActivity). */
  touch(id: string): Promise<void> {
    return this.activity.touch(id);
  }

  /** Counts a call in flight: a sandbox running a command or a stream is never idle. */
  track<T>(id: string, work: () => Promise<T>): Promise<T> {
    return this.activity.track(id, work);
  }

  begin(id: string): void {
    this.activity.begin(id);
  }

  end(id: string): Promise<void> {
    return this.activity.end(id);
  }

  /** A new preview epoch: every link and cookie issued so far stops working. */
  async rotatePreview(owner: string, id: string): Promise<SandboxRow> {
    await this.get(owner, id);
    return this.lock.run(id, async () => {
      const row = await this.get(owner, id);
      const next = await this.o.store.update(id, { preview_epoch: row.preview_epoch + 1 });
      this.lifecycle.changed(id);
      await this.o.events.append({
        owner,
        sandboxId: id,
        type: 'preview.rotated',
        message: 'Preview links rotated; earlier links and cookies no longer work',
      });
      return next;
    });
  }

  async keepalive(owner: string, id: string, seconds: number, maxSeconds: number) {
    if (seconds > maxSeconds) {
      throw new PaddockError('limit_exceeded', `keepalive is limited to ${maxSeconds} seconds`, {
        seconds: { requested: seconds, max: maxSeconds },
      });
    }
    const row = await this.get(owner, id);
    if (row.status !== 'running') {
      throw new PaddockError(
        'sandbox_not_running',
        `sandbox ${id} is ${row.status}; start it first`,
      );
    }
    const now = Date.now();
    return await this.o.store.update(id, {
      keepalive_until: new Date(now + seconds * 1000).toISOString(),
      last_active_at: new Date(now).toISOString(),
    });
  }

  /** False while a call is in flight: such a sandbox is never idle. */
  isIdle(id: string): boolean {
    return !this.activity.isBusy(id);
  }

  start(owner: string, id: string): Promise<SandboxRow> {
    return refusable(this.o.refusals, 'sandbox.start', id, async () => {
      await this.get(owner, id);
      return this.lock.run(id, async () => {
        // A running sandbox holds its room already; any other must fit its owner's quotas.
        const row = await this.get(owner, id);
        const ask = { limits: rowLimits(row), sandboxId: id };
        const admitted = row.status === 'running' ? null : await this.o.admission.admit(owner, ask);
        return this.startNow(owner, id).finally(() => admitted?.release());
      });
    });
  }

  /**
   * Runs `fn` with the sandbox stopped and starts it again afterwards if it was running, all
   * under the sandbox's lock: a wake (a preview request) cannot start it in between.
   */
  async whileStopped<T>(
    owner: string,
    id: string,
    fn: (row: SandboxRow) => Promise<T>,
  ): Promise<T> {
    await this.get(owner, id);
    return this.lock.run(id, async () => {
      const row = await this.get(owner, id);
      const wasRunning = row.status === 'running' || row.status === 'starting';
      if (wasRunning) {
        await this.stopNow(owner, id, undefined, { reason: 'api', text: 'stopped for a restore' });
      }
      let result: T;
      try {
        result = await fn(await this.get(owner, id));
      } catch (err) {
        if (wasRunning) {
          await this.startNow(owner, id).catch((e: unknown) =>
            this.o.log.warn({ err: e, sandbox_id: id }, 'restarting after a failed restore failed'),
          );
        }
        throw err;
      }
      if (wasRunning) await this.startNow(owner, id);
      return result;
    });
  }

  /** start() without taking the lock: for callers that hold it. */
  private async startNow(owner: string, id: string): Promise<SandboxRow> {
    const row = await this.get(owner, id);
    if (row.status === 'running' && (await this.o.driver.inspect(id)).state === 'running') {
      return row;
    }
    this.clients.drop(id);
    this.lifecycle.ended(id);
    // A new epoch: preview links and cookies issued before this start stop working.
    await this.o.store.update(id, {
      status: 'starting',
      status_reason: null,
      preview_epoch: row.preview_epoch + 1,
    });
    failpoint('sandbox.start.marked');
    try {
      const mounts = await this.lifecycle.mountsFor(row);
      const dataMounts = await this.lifecycle.dataMounts.forStart(row);
      await this.o.driver.start(id, { limits: rowLimits(row), mounts, dataMounts });
      failpoint('sandbox.start.driven');
    } catch (err) {
      await this.o.store.update(id, { status: 'failed', status_reason: 'start failed' });
      await this.lifecycle.dataMounts.halted(id);
      await this.o.events.append({
        owner,
        sandboxId: id,
        type: 'sandbox.start_failed',
        severity: 'error',
        message: 'Sandbox failed to start',
        payload: { code: err instanceof PaddockError ? err.code : 'driver_error' },
      });
      throw asDriverError(err, 'start');
    }
    this.o.metrics.sandboxOps.inc({ op: 'start', result: 'ok' });
    await this.o.events.append({
      owner,
      sandboxId: id,
      type: 'sandbox.started',
      message: 'Sandbox started',
    });
    const started = await this.o.store.update(id, {
      status: 'running',
      status_reason: null,
      started_at: new Date().toISOString(),
      stopped_at: null,
    });
    this.lifecycle.changed(id);
    await this.lifecycle.booted(started);
    return (await this.o.store.get(owner, id)) ?? started;
  }

  /**
   * Starts a stopped sandbox without waiting (a preview request wakes it). Returns the epoch its
   * preview will have, so the waker can be handed a cookie that stays valid across the start.
   */
  wake(row: SandboxRow): number {
    if (!this.waking.has(row.id) && row.status !== 'starting') {
      const run = because('wake', () => this.start(row.owner_id, row.id))
        .then(() => undefined)
        .catch((err: unknown) => {
          this.o.log.warn({ err, sandbox_id: row.id }, 'waking a sandbox failed');
        })
        .finally(() => this.waking.delete(row.id));
      this.waking.set(row.id, run);
    }
    // A start bumps the epoch once it holds the sandbox's lock (see start()).
    return row.status === 'starting' ? row.preview_epoch : row.preview_epoch + 1;
  }

  async delete(owner: string, id: string): Promise<void> {
    await this.get(owner, id);
    await this.lock.run(id, async () => {
      await this.get(owner, id);
      this.lifecycle.stopping(id);
      this.clients.drop(id);
      this.lifecycle.ended(id);
      try {
        await this.o.driver.destroy(id);
      } catch (err) {
        throw asDriverError(err, 'destroy');
      }
      failpoint('sandbox.delete.destroyed');
      await this.lifecycle.dataMounts.halted(id);
      const now = new Date().toISOString();
      await this.o.store.update(id, { status: 'deleted', deleted_at: now, stopped_at: now });
      this.lifecycle.deleted(id);
      this.o.metrics.sandboxOps.inc({ op: 'delete', result: 'ok' });
      await this.o.events.append({
        owner,
        sandboxId: id,
        type: 'sandbox.deleted',
        message: 'Sandbox deleted',
      });
    });
  }

  /** The guest agent of a running sandbox owned by `owner`. */
  async agent(owner: string, id: string): Promise<{ row: SandboxRow; client: AgentClient }> {
    const row = await this.get(owner, id);
    if (row.status !== 'running') {
      throw new PaddockError(
        'sandbox_not_running',
        `sandbox ${id} is ${row.status}; start it first`,
      );
    }
    const client = this.clients.for(id);
    return { row, client };
  }

  /**
   * A connection to a port on a running sandbox's loopback: straight from the driver when it
   * can make one (no relay through the agent), else through the guest agent's bridge.
   */
  async openPort(owner: string, id: string, port: number, signal?: AbortSignal): Promise<Socket> {
    await this.agent(owner, id);
    return this.clients.openPort(id, port, signal);
  }

  /**
   * Runs one call against a running sandbox's agent. When the agent cannot be reached, the
   * driver is asked whether the sandbox still runs; if not (the agent was OOM-killed, say) the
   * sandbox is marked failed and cleaned up rather than reported as running forever.
   */
  async withAgent<T>(
    owner: string,
    id: string,
    fn: (client: AgentClient, row: SandboxRow) => Promise<T>,
  ): Promise<T> {
    const { row, client } = await this.agent(owner, id);
    try {
      return await this.track(id, () => fn(client, row));
    } catch (err) {
      if (err instanceof PaddockError && err.code === 'sandbox_unavailable') {
        const gone = await this.noticeAgentGone(row);
        if (gone) throw gone;
      }
      throw err;
    }
  }

  /** Returns the error to report if the sandbox turned out to be dead, after recording it. */
  async noticeAgentGone(row: SandboxRow): Promise<PaddockError | null> {
    return this.lock.run(row.id, async () => {
      const current = await this.o.store.get(row.owner_id, row.id);
      if (!current || current.status !== 'running') return null;
      const seen = await this.o.driver.inspect(row.id);
      if (seen.state === 'running') {
        // Processes remain but the agent is gone or not answering: the sandbox is unusable.
        const health = await this.clients
          .existing(row.id)
          ?.health(AbortSignal.timeout(2_000))
          .then(() => true)
          .catch(() => false);
        if (health) return null;
      }
      const { clients, lifecycle } = this;
      return recordDeadSandbox({ ...this.o, clients, lifecycle }, current, seen);
    });
  }

  /** A GET: the stored row, corrected by what the driver sees (OOM count, a sandbox that died). */
  async observe(owner: string, id: string): Promise<SandboxRow> {
    const row = await this.get(owner, id);
    if (row.status !== 'running') return row;
    // Looking is not activity: a dashboard polling GET must not keep every sandbox alive.
    const seen = await this.o.driver.inspect(id);
    if (seen.state !== 'running') {
      await this.noticeAgentGone(row);
      return this.get(owner, id);
    }
    if (seen.oom_kills > row.oom_kills) {
      return await this.o.store.update(id, { oom_kills: seen.oom_kills });
    }
    return row;
  }

  close(): void {
    this.clients.close();
  }
}
