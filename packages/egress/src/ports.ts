import type { Server, Socket } from 'node:net';

/**
 * What the egress package needs from whoever runs it (the daemon). Each is the narrow slice the
 * proxy uses; the daemon's own classes (its sandbox rows, event log, audit log, driver and pino
 * logger) fit them as they are.
 */

/** The fields of a sandbox the proxy reads, and hands back to `policyFor`/`injectionsFor`. */
export interface EgressSandbox {
  id: string;
  owner_id: string;
  /** Its app, whose policy and secrets apply; null for a standalone sandbox. */
  app_id: string | null;
}

/** A policy's host entries: `example.com` or `*.example.com`. Deny wins; nothing else passes. */
export interface HostRules {
  allow: string[];
  deny: string[];
}

/** A secret to put into requests to some hosts (an app's config entry with an inject rule). */
export interface Injection {
  /** The config key, named in audit records; its value never is. */
  key: string;
  hosts: string[];
  header: string;
  /** The header's whole value, the secret already in place. */
  headerValue: string;
  /** The value alone, so responses that echo it can be masked. */
  secret: string;
  /** The value as the header encodes it, if otherwise (HTTP Basic's base64): masked too. */
  encoded?: string[];
}

/** Where each sandbox's proxy listener comes from (the driver's `serveEgress`). */
export interface EgressListeners {
  /**
   * A server that hands over the connections made from that sandbox (its 127.0.0.1:3128), and
   * only those, so the listener says who asks. The proxy closes it.
   */
  serveEgress(id: string, onConnection: (socket: Socket) => void): Promise<Server>;
}

/** An event the proxy raises about a sandbox (a refusal, a limit hit, no proxy at all). */
export interface EgressEvent {
  owner: string;
  sandboxId: string;
  type: 'egress.denied' | 'egress.limited' | 'egress.unavailable';
  severity: 'warn';
  message: string;
  /** Hosts, ports, rules, reasons and config keys: never a secret's value. */
  payload: Record<string, unknown>;
}

/** Where events go (the daemon's event log). */
export interface EgressEventSink {
  append(event: EgressEvent): Promise<unknown>;
}

/** One audit entry: a decision about a host, or a refused connection. */
export interface EgressAuditRecord {
  actor: { owner: string; keyId: string };
  action: 'egress';
  target: { type: 'sandbox'; id: string };
  outcome: 'ok' | 'denied';
  details: Record<string, string | number | boolean | null | string[]>;
}

/** Where audit entries go (the daemon's audit log). */
export interface EgressAuditSink {
  record(entry: EgressAuditRecord): Promise<unknown>;
}

/** The slice of a pino logger the proxy writes to: warnings about its own failures. */
export interface EgressLogger {
  warn(fields: object, message: string): void;
}

/**
 * Every refusal as it happens (no sampling), for the live feed a person watches to see what to
 * allow. Called in the proxy's path: it must not block or throw.
 */
export type EgressDenialSink = (denial: {
  sandboxId: string;
  host: string | null;
  port: number | null;
  reason: string;
  rule: string | null;
  kind: 'destination' | 'connection_limit';
}) => void;
