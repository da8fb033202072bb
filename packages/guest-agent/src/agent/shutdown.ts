import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { AGENT_LIMITS, type ShutdownRequest } from '@paddock/shared';
import { optInteger, readJsonObject, rejectUnknownFields, sendJson } from './http.js';
import type { ProcessRegistry } from './processes.js';

/**
 * Stopping the sandbox's processes in order: SIGTERM every tracked group, give them the grace
 * period, SIGKILL whatever is left, then close the server and exit. Used by POST /shutdown and by
 * SIGTERM/SIGINT to the agent, so both paths behave the same.
 */
export class Shutdown {
  private running: Promise<void> | null = null;
  private requested = false;
  private readonly onRequest: (() => void)[] = [];

  constructor(
    private readonly registry: ProcessRegistry,
    private readonly server: Server,
    private readonly exit: (code: number) => void,
  ) {}

  /** True from the moment shutdown is asked for: new work is refused from then on. */
  get inProgress(): boolean {
    return this.requested;
  }

  /** Runs `fn` once, when shutdown is first requested (e.g. to stop the supervisor restarting). */
  whenRequested(fn: () => void): void {
    this.onRequest.push(fn);
  }

  request(): void {
    if (this.requested) return;
    this.requested = true;
    for (const fn of this.onRequest) fn();
  }

  /** Idempotent: a second request joins the first. */
  start(graceMs: number = AGENT_LIMITS.defaultShutdownGraceMs): Promise<void> {
    this.request();
    this.running ??= this.run(graceMs);
    return this.running;
  }

  private async run(graceMs: number): Promise<void> {
    const children = this.registry.liveChildren();
    for (const child of children) child.kill('SIGTERM');
    if (children.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      });
      await Promise.race([Promise.all(children.map((c) => c.settled)), graceOver]);
      clearTimeout(timer);
      // Every group, settled or not: a foreground exec may have left a grandchild behind.
      for (const child of children) child.kill('SIGKILL');
    }
    this.server.close();
    this.server.closeAllConnections();
    this.exit(0);
  }
}

/** POST /shutdown: answers 202 first, then shuts down once the answer is on its way. */
export async function handleShutdown(
  req: IncomingMessage,
  res: ServerResponse,
  shutdown: Shutdown,
): Promise<void> {
  const body = (await readJsonObject(req)) ?? {};
  rejectUnknownFields(body, ['grace_ms'] satisfies (keyof ShutdownRequest)[]);
  const graceMs =
    optInteger(body, 'grace_ms', 0, AGENT_LIMITS.maxTimeoutMs) ??
    AGENT_LIMITS.defaultShutdownGraceMs;
  shutdown.request();
  // 'close' follows a finished answer and also a client that hung up: either way, go on.
  res.once('close', () => void shutdown.start(graceMs));
  sendJson(res, 202, { ok: true, grace_ms: graceMs });
}
