import type http from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { Paddock } from '@paddock/sdk';
import { McpRoutes, PaddockError, type RouteContract } from '@paddock/shared';
import { NOT_AN_AGENT } from './agentRole.js';
import { createMcpServer } from './server.js';

/** A request the daemon hands over, authenticated and validated (its `MountCall`). */
export interface McpCall {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  body: unknown;
  caller: { role: string };
  bearer: string | undefined;
  selfUrl: string;
}

/** A route the daemon serves for this package (the daemon's `ApiMount`, structurally). */
export interface McpMount {
  contract: RouteContract;
  admit(call: McpCall): void;
  serve(call: McpCall): Promise<void>;
}

/** The agent key it acts with: the bearer token (a console session has none to pass on). */
function requireAgent(call: McpCall): void {
  if (call.bearer === undefined) {
    throw new PaddockError(
      'unauthorized',
      'MCP needs a bearer token: an API key with the agent role',
    );
  }
  if (call.caller.role !== 'agent') throw new PaddockError('forbidden', NOT_AN_AGENT);
}

/**
 * Streamable HTTP at /mcp, stateless: each POST gets a server and a transport of its own, whose
 * SDK client calls the daemon's API on loopback with the caller's token. No session means no
 * server-initiated stream (GET) and nothing to end (DELETE): both answer 405.
 */
export function mcpMounts(): McpMount[] {
  const noSession = (contract: RouteContract): McpMount => ({
    contract,
    admit: (call) => {
      requireAgent(call);
      throw new PaddockError(
        'method_not_allowed',
        'this MCP server is stateless: POST each message to /mcp',
      );
    },
    serve: async () => undefined,
  });
  return [
    { contract: McpRoutes.post, admit: requireAgent, serve: serveMcp },
    noSession(McpRoutes.get),
    noSession(McpRoutes.delete),
  ];
}

async function serveMcp(call: McpCall): Promise<void> {
  const server = createMcpServer(new Paddock({ url: call.selfUrl, token: call.bearer! }));
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  call.res.once('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(call.req, call.res, call.body);
}
