import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { WebSocket } from '@fastify/websocket';
import type { FastifyRequest } from 'fastify';
import type { AgentPty } from '@paddock/guest-agent/client';
import {
  PTY_LIMITS,
  PaddockError,
  PtyRoutes,
  parsePtyInput,
  type PtyExit,
  type PtyOutput,
} from '@paddock/shared';
import type { AuditLog } from '../audit/auditLog.js';
import { daemonStopping } from '../http/daemonStopping.js';
import { actorOf, requirePrincipal } from '../http/principal.js';
import type { SandboxService } from './sandboxService.js';

/** Output the client has not taken yet, past which the terminal's output is held back. */
const SEND_HIGH_WATER = 256 * 1024;
/** How long the agent may take to open a terminal. */
const OPEN_TIMEOUT_MS = 15_000;
/** RFC 6455 "going away": the server is stopping; any other end the daemon makes is 1011. */
const CLOSE_GOING_AWAY = 1001;
/** How long a stopping daemon waits for a client to answer a terminal's close. */
const CLOSE_ANSWER_MS = 1_000;

/** The terminals open through this daemon, by sandbox: for the cap, and to end them with it. */
export class OpenTerminals {
  private readonly bySandbox = new Map<string, Set<(why: PaddockError) => void>>();

  count(sandboxId: string): number {
    return this.bySandbox.get(sandboxId)?.size ?? 0;
  }

  /** Throws 429 when the sandbox has as many terminals open as it may. */
  check(sandboxId: string): void {
    const open = this.count(sandboxId);
    if (open >= PTY_LIMITS.maxPerSandbox) {
      throw new PaddockError(
        'rate_limited',
        `at most ${PTY_LIMITS.maxPerSandbox} terminals may be open in a sandbox at once`,
        { open, max: PTY_LIMITS.maxPerSandbox },
      );
    }
  }

  /** Takes a place for one more (429 past the cap); `stop` ends it from outside. */
  add(sandboxId: string, stop: (why: PaddockError) => void): () => void {
    this.check(sandboxId);
    let set = this.bySandbox.get(sandboxId);
    if (!set) this.bySandbox.set(sandboxId, (set = new Set()));
    set.add(stop);
    return () => {
      set.delete(stop);
      if (set.size === 0 && this.bySandbox.get(sandboxId) === set) this.bySandbox.delete(sandboxId);
    };
  }

  /** The sandbox is stopping or gone: its terminals end now. */
  endSandbox(sandboxId: string): void {
    for (const stop of [...(this.bySandbox.get(sandboxId) ?? [])]) {
      stop(new PaddockError('sandbox_not_running', 'the sandbox stopped'));
    }
  }
}

export interface PtyRoutesOptions {
  sandboxes: SandboxService;
  audit: AuditLog;
  terminals: OpenTerminals;
}

/** One terminal between its WebSocket and the agent, from the upgrade to the end. */
interface Session {
  /** Set once the agent opened it. */
  pty: AgentPty | null;
  /** Why the daemon ended it (the sandbox stopped), if it did. */
  stopped: PaddockError | null;
  /** How the shell ended, once it has. */
  exit: PtyExit | null;
}

function sendControl(ws: WebSocket, msg: PtyOutput): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
}

/**
 * `GET /v1/sandboxes/{id}/pty`: a WebSocket to a terminal in the sandbox (the protocol is in
 * the route's description and shared agent/pty.ts). Everything that can fail is checked before
 * the upgrade (auth, owner, state, cap, the agent opening the terminal), so a refusal is a plain
 * HTTP answer with the usual error envelope.
 */
export const ptyRoutes: FastifyPluginAsyncTypebox<PtyRoutesOptions> = async (app, o) => {
  const sessions = new WeakMap<FastifyRequest, Session>();

  app.route({
    ...PtyRoutes.open,
    config: { websocket: true },
    preHandler: async (request) => {
      const p = requirePrincipal(request);
      const { id } = request.params;
      if (!request.ws) {
        // A browser cannot read a refused handshake's answer, so it asks this way: the same
        // refusals as an upgrade would get now, else that only upgrades are answered.
        await o.sandboxes.agent(p.owner, id);
        o.terminals.check(id);
        throw new PaddockError('bad_request', 'this route answers WebSocket upgrades only');
      }
      const { cols, rows, cwd, shell } = request.query;
      const { row, client } = await o.sandboxes.agent(p.owner, id);
      const session: Session = { pty: null, stopped: null, exit: null };
      const release = o.terminals.add(id, (why) => {
        session.stopped = why;
        session.pty?.destroy();
      });
      try {
        session.pty = await client.openPty(
          {
            cols: cols ?? PTY_LIMITS.defaultCols,
            rows: rows ?? PTY_LIMITS.defaultRows,
            ...(cwd === undefined ? {} : { cwd }),
            ...(shell === undefined ? {} : { shell }),
          },
          AbortSignal.timeout(OPEN_TIMEOUT_MS),
        );
      } catch (caught) {
        release();
        // Past the opening's deadline the sandbox did not answer: a 503, never a 500.
        const err =
          (caught as Error | null)?.name === 'TimeoutError'
            ? new PaddockError(
                'sandbox_unavailable',
                `the terminal did not open within ${OPEN_TIMEOUT_MS} ms`,
              )
            : caught;
        if (err instanceof PaddockError && err.code === 'sandbox_unavailable') {
          throw (await o.sandboxes.noticeAgentGone(row)) ?? err;
        }
        throw err;
      }
      const pty = session.pty;
      sessions.set(request, session);
      const opened = Date.now();
      o.sandboxes.begin(id);
      // The connection's end is the terminal's, however it ends: the client left (also while
      // the agent was opening it), the handshake failed, the shell exited, the sandbox stopped.
      const socket = request.raw.socket;
      // A stopping daemon's deadline ends it like a stopped sandbox does, with its own reason.
      const stop = (): void => {
        session.stopped = daemonStopping('the terminal was ended');
        pty.destroy();
      };
      const closed = (): void => {
        app.stopping.removeEventListener('abort', stop);
        pty.destroy();
        release();
        void o.sandboxes.end(id);
        void o.audit
          .record({
            actor: actorOf(request),
            action: 'pty.closed',
            target: { type: 'sandbox', id },
            details: {
              exit_code: session.exit?.code ?? null,
              signal: session.exit?.signal ?? null,
              duration_ms: Date.now() - opened,
            },
          })
          .catch((err: unknown) => request.log.warn({ err }, 'audit of a terminal failed'));
      };
      if (app.stopping.aborted) stop();
      else app.stopping.addEventListener('abort', stop, { once: true });
      if (socket.destroyed || session.stopped) {
        closed();
        throw session.stopped ?? new PaddockError('bad_request', 'the client left');
      }
      socket.once('close', closed);
      // What opens a terminal is audited like an exec; what is typed or shown never is.
      await o.audit.record({
        actor: actorOf(request),
        action: 'pty.opened',
        target: { type: 'sandbox', id },
        details: { shell: shell ?? null, cols: cols ?? null, rows: rows ?? null },
      });
    },
    handler: async () => {
      throw new PaddockError('bad_request', 'this route answers WebSocket upgrades only');
    },
    wsHandler: (ws, request) => {
      const session = sessions.get(request);
      const pty = session?.pty;
      if (!session || !pty) {
        ws.close(1011, 'internal');
        return;
      }
      const id = request.params.id;
      // Output waits in the agent's connection until now.
      pty.listen({
        data: (bytes) => {
          if (ws.readyState !== ws.OPEN) return;
          ws.send(bytes, { binary: true }, () => {
            if (ws.bufferedAmount < SEND_HIGH_WATER / 2) pty.resume();
          });
          if (ws.bufferedAmount > SEND_HIGH_WATER) pty.pause();
        },
        end: (exit, error) => {
          session.exit = exit;
          if (exit) {
            sendControl(ws, exit);
            ws.close(1000, 'exited');
            return;
          }
          const why =
            session.stopped ??
            error ??
            new PaddockError('sandbox_unavailable', 'the terminal ended');
          sendControl(ws, { type: 'error', code: why.code, message: why.message });
          if (why.code !== 'daemon_stopping') return ws.close(1011, why.code);
          ws.close(CLOSE_GOING_AWAY, why.code);
          // A client that does not answer the close must not hold a stopping daemon open.
          setTimeout(() => ws.terminate(), CLOSE_ANSWER_MS).unref();
        },
      });
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        void o.sandboxes.touch(id).catch(() => undefined);
        if (isBinary) {
          if (!pty.write(data)) {
            ws.pause();
            pty.onceDrain(() => ws.resume());
          }
          return;
        }
        try {
          pty.control(parsePtyInput(data.toString('utf8')));
        } catch (err) {
          const e =
            err instanceof PaddockError ? err : new PaddockError('bad_request', 'bad message');
          sendControl(ws, { type: 'error', code: e.code, message: e.message });
        }
      });
    },
  });
};
