import type { HostRules } from './ports.js';

/** A policy's decision about one host name, before anything is looked up. */
export interface HostDecision {
  allowed: boolean;
  /** The entry that decided, when one did. */
  rule: string | null;
}

/** `example.com` matches itself; `*.example.com` matches its subdomains, not itself. */
export function hostMatches(host: string, pattern: string): boolean {
  if (pattern.startsWith('*.'))
    return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return host === pattern;
}

/** Deny wins; then an allow entry; nothing else is allowed. */
export function decideHost(host: string, policy: HostRules): HostDecision {
  const denied = policy.deny.find((p) => hostMatches(host, p));
  if (denied !== undefined) return { allowed: false, rule: `deny ${denied}` };
  const allowed = policy.allow.find((p) => hostMatches(host, p));
  if (allowed !== undefined) return { allowed: true, rule: `allow ${allowed}` };
  return { allowed: false, rule: null };
}

/** Lower case, no trailing dot: the form rules are written in. */
export function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}
