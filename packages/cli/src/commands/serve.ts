import { ConfigError, loadConfig, startDaemon } from '@paddock/daemon';
import { mcpMounts } from '@paddock/mcp';

/** `paddock serve`: the daemon in the foreground until SIGTERM or SIGINT. */
export async function serve(): Promise<number> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`paddock: ${err.message}`);
      return 2;
    }
    throw err;
  }
  // The composition root: the daemon serves the MCP server's Streamable HTTP at /mcp.
  const daemon = await startDaemon(config, undefined, { mounts: mcpMounts() });
  // Logs are JSON on stdout; this plain line on stderr is for people and scripts at any log level.
  console.error(`paddockd listening on ${daemon.url}`);
  if (daemon.adminTokenFile) {
    const how = daemon.adminTokenGenerated ? 'generated into' : 'read from';
    console.error(`admin token ${how} ${daemon.adminTokenFile}`);
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await daemon.close();
  return 0;
}
