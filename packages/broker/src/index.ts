export { AppSessions, APP_SESSION_TTL_SECONDS, type AppSessionClaims } from './appSessions.js';
export { Broker, type BrokerObserver, type BrokerOptions, type Standing } from './broker.js';
export {
  handlerOf,
  WRITE_METHODS,
  type AgentHandlers,
  type BrokerCaller,
  type BrokerHandlers,
  type FilesHandlers,
  type Handler,
  type KvHandlers,
  type LlmHandlers,
  type NotifyHandlers,
  type TableHandlers,
} from './handlers.js';
export { RateLimiter } from '@paddock/shared';
