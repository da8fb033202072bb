import dns from 'node:dns/promises';
import net from 'node:net';
import { forbiddenAddress, isLoopback, type ResolveOverrides } from './egressAddress.js';
import { decideHost } from './egressRules.js';
import type { HostRules } from './ports.js';

/** Where a request may go, or why not; `rule` is the policy entry that decided, when one did. */
export type Decision =
  | { ok: true; address: string; port: number; rule: string }
  | { ok: false; reason: string; rule: string | null };

export interface DestinationOptions {
  overrides: ResolveOverrides;
  /** The daemon's own port: never a destination, not even through an override. */
  daemonPort: () => number;
  /** The daemon's listener for sandboxes' API calls: never a destination either. */
  controlPlane?: () => { port: number };
}

/** Why a policy refused a name, in the words the refusal header and the audit record use. */
export function refusedBecause(rule: string | null): string {
  return rule ? 'denied by rule' : 'not allowed';
}

/**
 * The name first (no lookup for a refused one), then where it resolves: loopback, private,
 * link-local and metadata addresses are refused, unless an override maps the name to loopback
 * (development and tests), and never the daemon's own ports. `host` is already normalized.
 */
export async function decideDestination(
  host: string,
  port: number,
  rules: HostRules,
  o: DestinationOptions,
): Promise<Decision> {
  if (net.isIP(host) !== 0) return { ok: false, reason: 'address literal', rule: null };
  const byName = decideHost(host, port, rules);
  if (!byName.allowed) return { ok: false, reason: refusedBecause(byName.rule), rule: byName.rule };
  const rule = byName.rule!;
  const mapped = o.overrides.get(host);
  if (mapped) {
    const target = { address: mapped.address, port: mapped.port ?? port };
    const daemon = target.port === o.daemonPort() || target.port === o.controlPlane?.().port;
    if (isLoopback(target.address) && daemon) {
      return { ok: false, reason: 'the daemon itself', rule };
    }
    const why = isLoopback(target.address) ? null : forbiddenAddress(target.address);
    if (why !== null) return { ok: false, reason: why, rule };
    return { ok: true, ...target, rule };
  }
  let addresses: { address: string }[];
  try {
    addresses = await dns.lookup(host, { all: true, verbatim: true });
  } catch {
    return { ok: false, reason: 'cannot resolve', rule };
  }
  // Every answer must be public: a name that resolves to a private address among public ones
  // is refused, not filtered (DNS rebinding).
  for (const a of addresses) {
    const why = forbiddenAddress(a.address);
    if (why !== null) return { ok: false, reason: why, rule };
  }
  const first = addresses[0];
  if (!first) return { ok: false, reason: 'cannot resolve', rule };
  return { ok: true, address: first.address, port, rule };
}
