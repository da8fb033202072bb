import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { PaddockError, type Paddock } from '@paddock/sdk';
import { Compile, type Validator } from 'typebox/compile';
import { installResources } from './resources.js';
import { InputError } from './target.js';
import { failure, type Tool, type ToolContext } from './tool.js';
import { TOOLS } from './tools/index.js';

const VERSION = '0.1.0';
const validators = new Map<Tool, Validator>();

/**
 * Paddock's MCP server for one caller: every tool acts through `pd`, the SDK client holding the
 * caller's agent key, so auth, validation, audit and provenance are the API's own.
 */
export function createMcpServer(pd: Paddock): Server {
  const server = new Server(
    { name: 'paddock', version: VERSION },
    {
      capabilities: { tools: {}, resources: {} },
      instructions:
        'Paddock runs apps in sandboxes. To build one: app_create (preset), file_write, exec ' +
        '(e.g. npm run build) until it passes, then preview_link and give the person the link.',
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: TOOLS.map((t) => ({
      name: t.name,
      title: t.title,
      description: t.description,
      inputSchema: t.input as { type: 'object' },
      ...(t.annotations ? { annotations: t.annotations } : {}),
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const t = TOOLS.find((x) => x.name === request.params.name);
    if (!t) return failure(`no tool "${request.params.name}"; list the tools to see their names`);
    const token = request.params._meta?.progressToken;
    const ctx: ToolContext = {
      pd,
      signal: extra.signal,
      progress: async (progress, message, total) => {
        if (token === undefined) return;
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken: token, progress, message, ...(total ? { total } : {}) },
        });
      },
    };
    return callTool(t, request.params.arguments ?? {}, ctx);
  });
  installResources(server, pd);
  return server;
}

/** Runs a tool; bad input and the API's refusals come back as tool errors the agent can read. */
async function callTool(t: Tool, raw: unknown, ctx: ToolContext): Promise<CallToolResult> {
  let validator = validators.get(t);
  if (!validator) validators.set(t, (validator = Compile(t.input)));
  const args = validator.Default(structuredClone(raw));
  if (!validator.Check(args)) {
    const problems = validator
      .Errors(args)
      .slice(0, 5)
      .map((e) => `${e.instancePath || '(input)'} ${e.message}`);
    return failure(`invalid input for ${t.name}: ${problems.join('; ')}`);
  }
  try {
    return await t.run(args, ctx);
  } catch (err) {
    if (err instanceof InputError) return failure(`invalid input for ${t.name}: ${err.message}`);
    if (err instanceof PaddockError) {
      return failure(`${t.name} failed: ${err.code}: ${err.message}`, {
        code: err.code,
        status: err.status,
      });
    }
    // Anything else too: the agent reads what broke rather than the client seeing a failure.
    return failure(`${t.name} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
