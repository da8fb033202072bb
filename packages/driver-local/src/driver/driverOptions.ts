import type { SandboxLimits } from '@paddock/shared';

/** pino-compatible; the daemon passes its logger. */
export interface DriverLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLog: DriverLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export interface LocalDriverOptions {
  /** The daemon's data dir; sandboxes live in `<dataDir>/sandboxes/<id>/`. */
  dataDir: string;
  /** The guest agent bundle (`AGENT_BUNDLE_PATH` of @paddock/guest-agent). */
  agentBundlePath: string;
  /** Pre-booted sandboxes with the pool limits; default 2, 0 disables the pool. */
  warmPoolSize?: number;
  /**
   * At start, remove what sandboxes of deleted data dirs left on the host (default true).
   * Off for daemons that run beside a `paddock gc` under test, which would race it.
   */
  sweepAtStart?: boolean;
  /** Ids for new sandboxes (the daemon's `sb` + ULID). */
  newId: () => string;
  log?: DriverLogger;
  bwrapPath?: string;
  /** The node binary that runs the agent inside; default `process.execPath`. */
  nodePath?: string;
  /** Host-global runtime root for sockets, mount points and logs; default `/run/paddock`. */
  runtimeDir?: string;
  /** Where uids are claimed host-wide; default `/var/lib/paddock/uids`. */
  uidClaimDir?: string;
  /** Limits of warm pool members; a create whose disk_mb matches takes one. Default DEFAULT_LIMITS. */
  poolLimits?: SandboxLimits;
  /**
   * Run every sandbox under the syscall filter (seccomp/syscallPolicy.ts); default true. Off only
   * to measure its cost (bench) or on an architecture it has no table for (then it is off anyway,
   * with a warning).
   */
  seccomp?: boolean;
  /** How long a boot may take until the agent answers; default 10 s. */
  bootTimeoutMs?: number;
  /**
   * A host directory every sandbox sees read-only at /opt/paddock/cache (the shared cache of
   * agent CLIs and preset dependencies). It must exist and be world-searchable; unset: none.
   */
  sharedCacheDir?: string;
  /**
   * A CA certificate (PEM) every sandbox trusts besides the host's: the egress proxy's, which
   * it terminates TLS with for hosts that get a secret injected. Unset: only the host's CAs.
   */
  trustedCaPem?: string;
}
