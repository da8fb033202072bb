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

/**
 * An entry may name one port, `example.com:8443` (what a userspace app's `network:` grant
 * becomes); without one it covers every port.
 */
function entryMatches(host: string, port: number, entry: string): boolean {
  const m = /^(.*):(\d{1,5})$/.exec(entry);
  if (m === null) return hostMatches(host, entry);
  return Number(m[2]) === port && hostMatches(host, m[1]!);
}

/** Deny wins; then an allow entry; nothing else is allowed. */
export function decideHost(host: string, port: number, policy: HostRules): HostDecision {
  const denied = policy.deny.find((p) => entryMatches(host, port, p));
  if (denied !== undefined) return { allowed: false, rule: `deny ${denied}` };
  const allowed = policy.allow.find((p) => entryMatches(host, port, p));
  if (allowed !== undefined) return { allowed: true, rule: `allow ${allowed}` };
  return { allowed: false, rule: null };
}

/** Lower case, no trailing dot: the form rules are written in. */
export function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}
