import { PaddockError } from '@paddock/shared';
import { ApiClient, ApiError } from './apiClient.js';
import { UsageError } from './args.js';
import { app } from './commands/app.js';
import { exec } from './commands/exec.js';
import { files } from './commands/files.js';
import { mcp } from './commands/mcp.js';
import { pkg } from './commands/pkg.js';
import { sandbox } from './commands/sandbox.js';
import { serve } from './commands/serve.js';
import { snapshot } from './commands/snapshot.js';
import { task } from './commands/task.js';
import { userspace } from './commands/userspace.js';
import { resolveConnection } from './connection.js';

const USAGE = `paddock — self-hosted sandboxes for AI-built apps

usage:
  paddock serve                          run paddockd in the foreground
  paddock app presets|create|ls|get|url|wake|rm|publish|checkpoints|fork|export ...
  paddock sandbox create|ls|get|stop|start|rm|shell ...
  paddock task run|ls|get|follow|diff|cancel ...
  paddock snapshot create|ls|get|rm|export|import|restore|fork ...
  paddock exec ID [--cwd DIR] [--env K=V] [--timeout MS] -- CMD [ARGS...]
  paddock files get|put|ls|watch|push|pull ...
  paddock pkg build|sign|verify|inspect ...   .paddockapp packages, on this machine
  paddock userspace install|update|ls|rollback|uninstall ...
  paddock mcp                            MCP server over stdio (needs an agent key)

The daemon's URL and token come from PADDOCK_URL and PADDOCK_TOKEN, or from
~/.config/paddock/config.json ({"url": ..., "token": ...}).`;

/** The CLI's entry: returns nothing, sets the exit code. */
export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  try {
    let code: number;
    switch (command) {
      case 'serve':
        code = await serve();
        break;
      case 'app':
      case 'apps':
        code = await app(new ApiClient(resolveConnection()), rest);
        break;
      case 'task':
      case 'tasks':
        code = await task(new ApiClient(resolveConnection()), rest);
        break;
      case 'snapshot':
      case 'snapshots':
        code = await snapshot(new ApiClient(resolveConnection()), rest);
        break;
      case 'sandbox':
      case 'sandboxes':
        code = await sandbox(new ApiClient(resolveConnection()), rest);
        break;
      case 'exec':
        code = await exec(new ApiClient(resolveConnection()), rest);
        break;
      case 'files':
        code = await files(new ApiClient(resolveConnection()), rest);
        break;
      case 'mcp':
        code = await mcp(rest);
        break;
      case 'pkg':
        code = await pkg(rest);
        break;
      case 'userspace':
        code = await userspace(new ApiClient(resolveConnection()), rest);
        break;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        code = command === undefined ? 2 : 0;
        break;
      default:
        console.error(`paddock: unknown command "${command}"\n\n${USAGE}`);
        code = 2;
    }
    process.exitCode = code;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(err.message);
      process.exitCode = 2;
    } else if (err instanceof ApiError || err instanceof PaddockError) {
      console.error(`paddock: ${err.code}: ${err.message}`);
      process.exitCode = 1;
    } else {
      console.error(`paddock: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    }
  }
}
