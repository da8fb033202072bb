import { fileURLToPath } from 'node:url';

export { AgentClient, AgentClients, type AgentClientOptions } from './client/index.js';
/** The files API's write deny list, for the daemon's bulk uploads to keep to the same list. */
export { isDeniedPath } from './agent/workspacePath.js';

/** The bundled agent, run as `node <AGENT_BUNDLE_PATH> ...` inside every sandbox. */
export const AGENT_BUNDLE_PATH = fileURLToPath(new URL('./agent.mjs', import.meta.url));
