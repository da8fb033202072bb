/**
 * What of @paddock/shared a browser bundle may import at run time, as `@paddock/shared/browser`:
 * plain code, no TypeBox schemas (the package's main entry pulls TypeBox in whole). Everything
 * else the console takes from the main entry with `import type` only.
 */
export { SseParser } from './execStream.js';
export {
  AGENT_PROVIDERS,
  agentKeyVariable,
  modelKeyInjection,
  opencodeKeyVariable,
  type AgentProvider,
  type ModelKeyInjection,
} from './agentKeys.js';
export { PTY_LIMITS, type PtySignal } from './agent/ptyLimits.js';
export type { PtyOutput } from './agent/pty.js';
