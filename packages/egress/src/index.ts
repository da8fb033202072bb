/**
 * @paddock/egress: the egress proxy's data plane. The daemon builds one EgressProxy, attaches
 * each running sandbox to it, and supplies what it needs through the interfaces in ports.ts.
 */
export { EgressProxy, type EgressProxyOptions } from './egressProxy.js';
export { EgressCa } from './egressCa.js';
export { forbiddenAddress, parseResolveOverrides, type ResolveOverrides } from './egressAddress.js';
export { DENIED_HEADER } from './refusals.js';
export { maskText } from './secretMask.js';
export type {
  EgressAuditRecord,
  EgressAuditSink,
  EgressDenialSink,
  EgressEvent,
  EgressEventSink,
  EgressListeners,
  EgressLogger,
  EgressSandbox,
  HostRules,
  Injection,
} from './ports.js';
