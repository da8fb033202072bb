import { Type } from 'typebox';
import { errorResponses } from './errorResponses.js';
import type { RouteTable } from './routeContract.js';

const tags = ['mcp'] as const;

/** One JSON-RPC 2.0 message; the MCP server checks the rest of its shape. */
const JsonRpcMessage = Type.Object(
  { jsonrpc: Type.Literal('2.0') },
  { additionalProperties: true, description: 'A JSON-RPC 2.0 message (MCP)' },
);

const STATELESS =
  'Stateless: no session, no server-initiated stream; every call is a POST of its own.';

/**
 * Paddock's MCP server over Streamable HTTP: tools for coding agents. It takes an API key with
 * the `agent` role only, and refuses an `Origin` that is not the daemon's own.
 */
export const McpRoutes = {
  post: {
    method: 'POST',
    url: '/mcp',
    schema: {
      tags,
      summary: 'MCP (Streamable HTTP): one JSON-RPC message or a batch, with an agent key',
      description:
        'Send `Accept: application/json, text/event-stream`. A request is answered as server-sent ' +
        'events (its progress notifications, then its result); a notification or a response gets ' +
        `202. ${STATELESS} Needs an API key with the \`agent\` role (403 \`forbidden\` otherwise); ` +
        'a request whose `Origin` is not one of the daemon’s own is refused with 403.',
      body: Type.Union([JsonRpcMessage, Type.Array(JsonRpcMessage)]),
      produces: ['text/event-stream', 'application/json'],
      response: {
        200: {
          description: 'The answers as server-sent events',
          content: { 'text/event-stream': { schema: {} } },
        },
        202: { description: 'Accepted (a notification or a response)' },
        ...errorResponses(400, 401, 403),
      },
    },
  },
  get: {
    method: 'GET',
    url: '/mcp',
    schema: {
      tags,
      summary: 'MCP’s server-initiated stream: not offered (405)',
      description: STATELESS,
      response: errorResponses(401, 403, 405),
    },
  },
  delete: {
    method: 'DELETE',
    url: '/mcp',
    schema: {
      tags,
      summary: 'Ending an MCP session: there are none (405)',
      description: STATELESS,
      response: errorResponses(401, 403, 405),
    },
  },
} as const satisfies RouteTable;
