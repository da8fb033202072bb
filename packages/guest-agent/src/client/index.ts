export { AgentClient, type AgentClientOptions } from './agentClient.js';
export { AgentClients } from './agentClients.js';
export { AgentPty, type AgentPtyHandlers, type AgentPtyRequest } from './agentPty.js';
