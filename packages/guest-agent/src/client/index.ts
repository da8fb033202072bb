export { AgentClient, type AgentClientOptions } from './agentClient.js';
