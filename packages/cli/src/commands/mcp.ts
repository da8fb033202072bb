import { serveStdio } from '@paddock/mcp';
import { UsageError } from '../args.js';
import { resolveConnection } from '../connection.js';

const USAGE = `usage: paddock mcp

Serves Paddock's MCP tools over stdio (for Claude Code and other MCP clients). The token
(PADDOCK_TOKEN, or the config file) must be an API key with the agent role.`;

/** `paddock mcp`: the MCP server over stdin/stdout until the client closes stdin. */
export async function mcp(args: string[]): Promise<number> {
  if (args.length > 0) throw new UsageError(USAGE);
  return serveStdio(resolveConnection());
}
