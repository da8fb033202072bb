import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, Progress } from '@modelcontextprotocol/sdk/types.js';
import { CLI } from './harness.js';

/** The official MCP client on `/mcp` of a daemon, with a bearer token. */
export async function connectHttp(url: string, token: string): Promise<Client> {
  const client = new Client({ name: 'paddock-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return client;
}

/** The official MCP client on `paddock mcp`, spawned with PADDOCK_URL / PADDOCK_TOKEN. */
export async function connectStdio(url: string, token: string): Promise<Client> {
  const client = new Client({ name: 'paddock-test', version: '1.0.0' });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'mcp'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PADDOCK_URL: url, PADDOCK_TOKEN: token },
    stderr: 'pipe',
  });
  await client.connect(transport);
  return client;
}

export interface ToolAnswer {
  text: string;
  isError: boolean;
  data: Record<string, unknown>;
  progress: Progress[];
}

/**
 * Calls a tool and returns its text, error flag and structured content; records the tool's name
 * in `called` so a test can check that every tool was used.
 */
export async function callTool(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  called?: Set<string>,
  withProgress = false,
): Promise<ToolAnswer> {
  called?.add(name);
  const progress: Progress[] = [];
  const result = (await client.callTool({ name, arguments: args }, undefined, {
    timeout: 600_000,
    ...(withProgress ? { onprogress: (p: Progress) => progress.push(p) } : {}),
  })) as CallToolResult;
  const first = result.content[0];
  return {
    text: first?.type === 'text' ? first.text : '',
    isError: result.isError === true,
    data: (result.structuredContent ?? {}) as Record<string, unknown>,
    progress,
  };
}
