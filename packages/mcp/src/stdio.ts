import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { Paddock, PaddockError } from '@paddock/sdk';
import { NOT_AN_AGENT } from './agentRole.js';
import { createMcpServer } from './server.js';

/**
 * MCP over stdio for one agent key, until stdin ends. Returns the exit code: 2 when the token
 * is not an agent key (or not valid), 1 when the daemon cannot be asked. Writes nothing to
 * stdout but the protocol; messages for people go to stderr.
 */
export async function serveStdio(connection: { url: string; token: string }): Promise<number> {
  const pd = new Paddock(connection);
  try {
    const session = await pd.instance.whoami();
    if (session.role !== 'agent') {
      process.stderr.write(`paddock mcp: ${NOT_AN_AGENT}\n`);
      return 2;
    }
  } catch (err) {
    if (!(err instanceof PaddockError)) throw err;
    process.stderr.write(`paddock mcp: ${err.code}: ${err.message}\n`);
    return err.code === 'unauthorized' || err.code === 'forbidden' ? 2 : 1;
  }
  const server = createMcpServer(pd);
  const ended = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
  });
  await server.connect(new StdioServerTransport());
  await ended;
  await server.close();
  return 0;
}
