/*
 * The agent's HTTP server. There is no authentication on purpose: the transport is the trust
 * boundary. Locally it is a unix socket only the daemon can reach; in Kubernetes it will be a pod
 * port that a NetworkPolicy opens to the daemon alone. A token here would add nothing but a
 * secret to leak into the sandbox.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  AGENT_PROTOCOL_VERSION,
  AGENT_ROUTES,
  PaddockError,
  type AgentHealth,
  type ProcessList,
  type SupervisorList,
} from '@paddock/shared';
import type { EnvMap } from './env.js';
import { handleExec } from './exec.js';
import {
  handleDelete,
  handleList,
  handleMkdir,
  handleMove,
  handleRead,
  handleStat,
  handleWrite,
} from './files.js';
import {
  parseQuery,
  queryInteger,
  rejectUnknownFields,
  requireJsonObject,
  sendError,
  sendJson,
} from './http.js';
import { handleBridgeUpgrade } from './portBridge.js';
import { ProcessRegistry } from './processes.js';
import { handlePtyUpgrade, Terminals } from './pty.js';
import { handleShutdown, Shutdown } from './shutdown.js';
import { Supervisor } from './supervisor.js';
import { handleSupervisorLogs, handleSupervisorPut } from './supervisorRoutes.js';
import { handleWatch, WatchRegistry } from './watch.js';
import type { Workspace } from './workspacePath.js';

export interface AgentServerOptions {
  workspace: Workspace;
  /** Sandbox-level env for children, already scrubbed. */
  inheritedEnv: EnvMap;
  /** Called when shutdown has finished; main passes process.exit. */
  exit: (code: number) => void;
}

export interface AgentServer {
  server: http.Server;
  shutdown: Shutdown;
}

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, id: string) => Promise<void>;
type MethodTable = Partial<Record<string, Handler>>;

const PROCESS_PATH = /^\/processes\/([^/]+)(\/signal|\/output)?$/;
const SUPERVISED_PATH = /^\/supervisor\/([^/]+)(\/logs|\/restart)$/;

export function createAgentServer(options: AgentServerOptions): AgentServer {
  const { workspace: ws } = options;
  const registry = new ProcessRegistry();
  const startedAt = process.uptime();
  const server = http.createServer({
    // Uploads and streamed execs may legitimately take long, and the only client is the daemon,
    // so there is no slow-client cutoff; that also keeps the idle agent free of periodic timers.
    requestTimeout: 0,
    headersTimeout: 0,
    connectionsCheckingInterval: 2 ** 31 - 1,
    // Well above the daemon's own idle close (4 s), so the daemon is the one that closes an idle
    // connection and never sends a call on one closing under it.
    keepAliveTimeout: 30_000,
  });
  const shutdown = new Shutdown(registry, server, options.exit);
  const execCtx = {
    workspace: ws,
    registry,
    inheritedEnv: options.inheritedEnv,
    stopping: () => shutdown.inProgress,
  };

  const supervisor = new Supervisor({ ...execCtx });
  shutdown.whenRequested(() => supervisor.halt());
  const watches = new WatchRegistry();
  shutdown.whenRequested(() => watches.endAll());
  const terminals = new Terminals();
  shutdown.whenRequested(() => terminals.hangUpAll());

  const refuseWhenStopping = (): void => {
    if (shutdown.inProgress)
      throw new PaddockError('sandbox_unavailable', 'the agent is shutting down');
  };

  const health: Handler = async (_req, res) => {
    const body: AgentHealth = {
      ok: true,
      protocol: AGENT_PROTOCOL_VERSION,
      pid: process.pid,
      uptime_ms: Math.round((process.uptime() - startedAt) * 1000),
      processes: registry.runningCount,
      watches: watches.size,
    };
    sendJson(res, 200, body);
  };

  const staticRoutes = new Map<string, MethodTable>([
    [AGENT_ROUTES.health, { GET: health }],
    [
      AGENT_ROUTES.exec,
      {
        POST: async (req, res) => {
          refuseWhenStopping();
          await handleExec(req, res, execCtx);
        },
      },
    ],
    [
      AGENT_ROUTES.processes,
      {
        GET: async (_req, res) =>
          sendJson(res, 200, { items: registry.list() } satisfies ProcessList),
      },
    ],
    [
      AGENT_ROUTES.files,
      {
        GET: (_req, res, url) => handleRead(res, ws, url),
        PUT: (req, res, url) => {
          refuseWhenStopping();
          return handleWrite(req, res, ws, url);
        },
        DELETE: (_req, res, url) => handleDelete(res, ws, url),
      },
    ],
    [AGENT_ROUTES.filesList, { GET: (_req, res, url) => handleList(res, ws, url) }],
    [AGENT_ROUTES.filesStat, { GET: (_req, res, url) => handleStat(res, ws, url) }],
    [AGENT_ROUTES.filesMkdir, { POST: (req, res) => handleMkdir(req, res, ws) }],
    [AGENT_ROUTES.filesMove, { POST: (req, res) => handleMove(req, res, ws) }],
    [
      AGENT_ROUTES.filesWatch,
      {
        GET: (_req, res, url) => {
          refuseWhenStopping();
          return handleWatch(res, ws, url, watches);
        },
      },
    ],
    [AGENT_ROUTES.shutdown, { POST: (req, res) => handleShutdown(req, res, shutdown) }],
    [
      AGENT_ROUTES.supervisor,
      {
        GET: async (_req, res) =>
          sendJson(res, 200, { items: supervisor.list() } satisfies SupervisorList),
        PUT: async (req, res) => {
          refuseWhenStopping();
          await handleSupervisorPut(req, res, supervisor);
        },
      },
    ],
  ]);

  const supervisedRoutes: Record<string, MethodTable> = {
    '/logs': {
      GET: async (req, res, url, name) => handleSupervisorLogs(req, res, url, name, supervisor),
    },
    '/restart': {
      POST: async (_req, res, _url, name) => {
        refuseWhenStopping();
        sendJson(res, 200, await supervisor.restart(name));
      },
    },
  };

  const processRoutes: Record<string, MethodTable> = {
    '': {
      GET: async (_req, res, _url, id) => sendJson(res, 200, registry.inspect(id)),
      DELETE: async (_req, res, _url, id) => sendJson(res, 200, await registry.kill(id)),
    },
    '/signal': {
      POST: async (req, res, _url, id) => {
        const body = await requireJsonObject(req);
        rejectUnknownFields(body, ['signal']);
        sendJson(res, 200, registry.signal(id, body.signal));
      },
    },
    '/output': {
      GET: async (_req, res, url, id) => {
        const tail = queryInteger(parseQuery(url, ['tail']), 'tail', 0, Number.MAX_SAFE_INTEGER);
        sendJson(res, 200, registry.output(id, tail));
      },
    },
  };

  const dispatch = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = req.url ?? '';
    if (!raw.startsWith('/')) throw new PaddockError('route_not_found', 'no such route');
    const url = new URL(`http://agent${raw}`);
    let table = staticRoutes.get(url.pathname);
    let id = '';
    if (!table) {
      const m = PROCESS_PATH.exec(url.pathname);
      if (m) {
        try {
          id = decodeURIComponent(m[1] as string);
        } catch {
          throw new PaddockError('bad_request', 'the process id is not valid percent-encoding');
        }
        table = processRoutes[m[2] ?? ''];
      }
    }
    if (!table) {
      const m = SUPERVISED_PATH.exec(url.pathname);
      if (m) {
        try {
          id = decodeURIComponent(m[1] as string);
        } catch {
          throw new PaddockError('bad_request', 'the process name is not valid percent-encoding');
        }
        table = supervisedRoutes[m[2] as string];
      }
    }
    if (!table)
      throw new PaddockError('route_not_found', `no such route: ${req.method} ${url.pathname}`);
    const handler = table[req.method ?? ''];
    if (!handler) {
      res.setHeader('allow', Object.keys(table).join(', '));
      throw new PaddockError(
        'method_not_allowed',
        `${req.method} is not allowed on ${url.pathname}`,
      );
    }
    await handler(req, res, url, id);
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    dispatch(req, res)
      .catch((err: unknown) => sendError(req, res, err))
      .catch(() => res.destroy());
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if ((req.url ?? '').split('?', 1)[0] === AGENT_ROUTES.pty) {
      handlePtyUpgrade(req, socket, head, { ...execCtx, terminals }).catch(() => socket.destroy());
      return;
    }
    handleBridgeUpgrade(req, socket, head, () => shutdown.inProgress);
  });

  return { server, shutdown };
}
