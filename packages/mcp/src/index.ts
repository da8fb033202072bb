export { createMcpServer } from './server.js';
export { mcpMounts, type McpMount, type McpCall } from './httpMount.js';
export { serveStdio } from './stdio.js';
export { NOT_AN_AGENT } from './agentRole.js';
export { TOOLS } from './tools/index.js';
