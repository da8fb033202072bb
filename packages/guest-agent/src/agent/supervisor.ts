/*
 * Process supervision: keeps the declared long-running processes of an app (a web process and
 * workers) up. PUT /supervisor applies a desired set; a process that exits is restarted with an
 * exponential backoff, and one that keeps failing quickly is marked `failed` instead of looping.
 * Timers exist only while there is something to wait for, so an agent that supervises nothing
 * has none.
 */
import http, { type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import {
  PaddockError,
  SUPERVISOR_LIMITS,
  encodeSseFrame,
  type SupervisedInfo,
  type SupervisedLogs,
  type SupervisedSpec,
  type SupervisedStatus,
} from '@paddock/shared';
import { Child, type ChildOutcome } from './child.js';
import { buildChildEnv, type EnvMap } from './env.js';
import { decodeTail, type ProcessRegistry } from './processes.js';
import { backoffMs, newEntry, specKey, type Entry } from './supervisedEntry.js';
import type { Workspace } from './workspacePath.js';

/** After the leader exits, how long to wait for pipes something outside its group still holds. */
const DRAIN_MS = 500;
const HEALTH_FIRST_INTERVAL_MS = 500;
const HEALTH_INTERVAL_MS = 2_000;
const HEALTH_TIMEOUT_MS = 2_000;
const HEALTH_DOWN_AFTER = 3;
/** A log stream whose client reads slower than this much output is cut off. */
const STREAM_BUFFER_BYTES = 1024 * 1024;

export interface SupervisorContext {
  workspace: Workspace;
  registry: ProcessRegistry;
  inheritedEnv: EnvMap;
  /** True once shutdown was requested: nothing is started or restarted from then on. */
  stopping: () => boolean;
}

function describeExit(code: number | null, signal: string | null): string {
  return signal !== null ? `killed by ${signal}` : `exited with code ${code}`;
}

export class Supervisor {
  private readonly entries = new Map<string, Entry>();
  /** PUTs and restarts run one at a time, so a stop and a start never interleave. */
  private queue: Promise<unknown> = Promise.resolve();
  private halted = false;

  constructor(private readonly ctx: SupervisorContext) {}

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  list(): SupervisedInfo[] {
    return [...this.entries.values()].map((e) => this.info(e));
  }

  private get(name: string): Entry {
    const entry = this.entries.get(name);
    if (!entry) throw new PaddockError('process_not_found', `no such supervised process: ${name}`);
    return entry;
  }

  private info(e: Entry): SupervisedInfo {
    return {
      name: e.spec.name,
      kind: e.spec.kind,
      status: e.status,
      pid: e.child?.running ? (e.child.pid ?? null) : null,
      restarts: e.restarts,
      since: e.since,
      exit_code: e.exitCode,
      signal: e.signal,
      health: e.health,
    };
  }

  private setStatus(e: Entry, status: SupervisedStatus): void {
    if (e.status === status) return;
    e.status = status;
    e.since = new Date().toISOString();
  }

  private log(e: Entry, line: string): void {
    this.output(e, Buffer.from(`[paddock] ${line}\n`));
  }

  private output(e: Entry, chunk: Buffer): void {
    e.ring.push(chunk);
    for (const listener of e.listeners) listener(chunk);
  }

  /** Applies the desired set: stops what is gone, restarts what changed, starts what is new. */
  apply(specs: SupervisedSpec[]): Promise<SupervisedInfo[]> {
    return this.serial(async () => {
      const wanted = new Map(specs.map((s) => [s.name, s]));
      const removed = [...this.entries.values()].filter((e) => !wanted.has(e.spec.name));
      await Promise.all(
        removed.map(async (e) => {
          await this.stop(e);
          this.entries.delete(e.spec.name);
          for (const close of e.closers) close();
        }),
      );
      const changed: Entry[] = [];
      const ordered = new Map<string, Entry>();
      for (const spec of specs) {
        const key = specKey(spec);
        let entry = this.entries.get(spec.name);
        if (entry === undefined) {
          entry = newEntry(spec, key);
          this.log(entry, 'supervising');
          changed.push(entry);
        } else if (entry.key !== key) {
          entry.spec = spec;
          entry.key = key;
          entry.restarts++;
          this.log(entry, 'the spec changed; restarting');
          changed.push(entry);
        }
        ordered.set(spec.name, entry);
      }
      this.entries.clear();
      for (const [name, entry] of ordered) this.entries.set(name, entry);
      await Promise.all(
        changed.map(async (e) => {
          await this.stop(e);
          e.quickFailures = 0;
          this.start(e);
        }),
      );
      return this.list();
    });
  }

  /** Stops gracefully and starts again now, with the failure counter reset. */
  restart(name: string): Promise<SupervisedInfo> {
    this.get(name);
    return this.serial(async () => {
      const e = this.get(name);
      await this.stop(e);
      e.quickFailures = 0;
      e.restarts++;
      this.log(e, 'restart requested');
      this.start(e);
      return this.info(e);
    });
  }

  /** Shutdown has begun: no more restarts or health checks. The shutdown stops the children. */
  halt(): void {
    this.halted = true;
    for (const e of this.entries.values()) {
      this.clearTimers(e);
      if (e.status === 'backoff') this.setStatus(e, 'stopped');
    }
  }

  private clearTimers(e: Entry): void {
    if (e.backoffTimer !== null) clearTimeout(e.backoffTimer);
    e.backoffTimer = null;
    this.stopHealth(e);
  }

  private stopHealth(e: Entry): void {
    if (e.healthTimer !== null) clearTimeout(e.healthTimer);
    e.healthTimer = null;
    e.healthReq?.destroy();
    e.healthReq = null;
  }

  private start(e: Entry): void {
    e.stopRequested = false;
    // No await between this check and the spawn: shutdown must see every child it has to stop.
    if (this.halted || this.ctx.stopping()) {
      this.setStatus(e, 'stopped');
      return;
    }
    const ws = this.ctx.workspace;
    const child = new Child({
      file: '/bin/sh',
      args: ['-c', e.spec.command],
      cwd: ws.realRoot,
      env: buildChildEnv({
        workspace: ws.root,
        cwd: ws.root,
        inherited: this.ctx.inheritedEnv,
        explicit: e.spec.env,
      }),
      drainMs: DRAIN_MS,
    });
    this.ctx.registry.track(child);
    e.child = child;
    e.startedAt = performance.now();
    const onData = (chunk: Buffer): void => this.output(e, chunk);
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    if (child.pid !== undefined) this.log(e, `started, pid ${child.pid}`);
    if (e.spec.port !== undefined) {
      e.health = 'starting';
      e.healthFailures = 0;
      this.setStatus(e, 'starting');
      this.scheduleHealth(e, child, HEALTH_FIRST_INTERVAL_MS);
    } else {
      this.setStatus(e, 'running');
    }
    void this.watch(e, child);
  }

  private async watch(e: Entry, child: Child): Promise<void> {
    const outcome = await child.exited;
    const ranMs = performance.now() - e.startedAt;
    // An intentional stop records the exit itself and gives the group its grace (see stop()).
    if (e.child !== child || e.stopRequested) return;
    // Shutdown gives the group its grace period; otherwise what the leader left behind in its
    // group would hold ports and files the next run needs.
    if (!this.halted && !this.ctx.stopping()) child.kill('SIGKILL');
    await child.settled;
    if (e.child !== child || e.stopRequested) return;
    const what = this.recordExit(e, child, outcome);
    if (this.halted || this.ctx.stopping()) {
      this.log(e, `${what}; not restarting: the agent is shutting down`);
      this.setStatus(e, 'stopped');
      return;
    }
    e.quickFailures = ranMs < SUPERVISOR_LIMITS.quickFailureMs ? e.quickFailures + 1 : 0;
    if (e.quickFailures >= SUPERVISOR_LIMITS.maxQuickFailures) {
      this.log(
        e,
        `${what}; failed: ${e.quickFailures} quick exits in a row, not restarting ` +
          '(restart it, or change its spec)',
      );
      this.setStatus(e, 'failed');
      return;
    }
    const delay = backoffMs(e.quickFailures);
    this.log(e, `${what}; restarting in ${delay} ms`);
    this.setStatus(e, 'backoff');
    e.backoffTimer = setTimeout(() => {
      e.backoffTimer = null;
      if (e.child !== child || e.stopRequested) return;
      e.restarts++;
      this.start(e);
    }, delay);
  }

  /** TERM to the group, up to the grace period, then KILL; resolves once it has exited. */
  private async stop(e: Entry): Promise<void> {
    this.clearTimers(e);
    e.stopRequested = true;
    const child = e.child;
    if (child === null || !child.groupMayLive) {
      if (e.status === 'backoff' || e.status === 'starting' || e.status === 'running') {
        this.setStatus(e, 'stopped');
      }
      if (e.health !== null) e.health = 'down';
      return;
    }
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, SUPERVISOR_LIMITS.stopGraceMs);
    });
    await Promise.race([child.settled, graceOver]);
    clearTimeout(timer);
    child.kill('SIGKILL');
    const outcome = await child.exited;
    await child.settled;
    if (e.child !== child) return;
    const what = this.recordExit(e, child, outcome);
    e.child = null;
    this.log(e, `${what}; stopped`);
    this.setStatus(e, 'stopped');
  }

  private recordExit(e: Entry, child: Child, outcome: ChildOutcome): string {
    if (child.spawnError !== null) this.output(e, Buffer.from(child.spawnError));
    e.exitCode = outcome.exit_code;
    e.signal = outcome.signal;
    this.stopHealth(e);
    if (e.health !== null) e.health = 'down';
    return describeExit(outcome.exit_code, outcome.signal);
  }

  private scheduleHealth(e: Entry, child: Child, delay: number): void {
    e.healthTimer = setTimeout(() => {
      e.healthTimer = null;
      if (e.child !== child || !child.running) return;
      this.probe(e, child);
    }, delay);
  }

  private probe(e: Entry, child: Child): void {
    let done = false;
    const finish = (ok: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      if (e.healthReq === req) e.healthReq = null;
      if (e.child !== child || !child.running) return;
      if (ok) {
        e.healthFailures = 0;
        e.health = 'ready';
        if (e.status === 'starting') this.setStatus(e, 'running');
      } else if (e.health !== 'starting') {
        e.healthFailures++;
        if (e.healthFailures >= HEALTH_DOWN_AFTER) e.health = 'down';
      }
      const everReady = e.health !== 'starting';
      this.scheduleHealth(e, child, everReady ? HEALTH_INTERVAL_MS : HEALTH_FIRST_INTERVAL_MS);
    };
    const req = http.get({
      host: '127.0.0.1',
      port: e.spec.port,
      path: e.spec.health_path ?? '/',
      agent: false,
      headers: { 'user-agent': 'paddock-guest-agent' },
    });
    e.healthReq = req;
    const timer = setTimeout(() => finish(false), HEALTH_TIMEOUT_MS);
    req.on('response', (res) => {
      res.resume();
      finish((res.statusCode ?? 500) < 500);
    });
    req.on('error', () => finish(false));
  }

  logs(name: string, tail?: number): SupervisedLogs {
    const { bytes, cut } = this.get(name).ring.read(tail);
    return { output: decodeTail(bytes, cut), truncated: cut };
  }

  /** SSE: the current tail as one frame, then new output until the client goes away. */
  streamLogs(name: string, res: ServerResponse, tail?: number): void {
    const e = this.get(name);
    const { bytes, cut } = e.ring.read(tail);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
    });
    const frame = (text: string): string => encodeSseFrame({ event: 'output', data: { text } });
    res.write(frame(decodeTail(bytes, cut)));
    const decoder = new StringDecoder('utf8');
    const listener = (chunk: Buffer): void => {
      const text = decoder.write(chunk);
      if (text === '' || res.destroyed) return;
      res.write(frame(text));
      // The output cannot wait for a slow reader (it is shared): cut the stream off instead.
      if (res.writableLength > STREAM_BUFFER_BYTES) res.destroy();
    };
    const close = (): void => {
      if (!res.writableEnded) res.end();
    };
    e.listeners.add(listener);
    e.closers.add(close);
    res.once('close', () => {
      e.listeners.delete(listener);
      e.closers.delete(close);
    });
  }
}
