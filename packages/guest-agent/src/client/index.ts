export { AgentClient, type AgentClientOptions } from './agentClient.js';
export { AgentClients } from './agentClients.js';
