import path from 'node:path';
import {
  DEFAULT_LIMITS,
  DEFAULT_MAX_LIMITS,
  MIN_LIMITS,
  isBareOrigin,
  type SandboxLimits,
} from '@paddock/shared';

/** Everything paddockd reads from its environment, resolved once at start. */
export interface DaemonConfig {
  host: string;
  port: number;
  dataDir: string;
  /** When set, the admin token; otherwise one is generated into `<dataDir>/admin-token`. */
  adminToken: string | undefined;
  logLevel: string;
  warmPoolSize: number;
  /** `PADDOCK_SWEEP_AT_START` (default 1): remove host state of deleted data dirs at start. */
  sweepAtStart: boolean;
  /**
   * `PADDOCK_DRAIN_SECONDS` (default 10): how long a stop lets requests and streams in flight
   * finish before it ends them (a stream with an error frame saying why).
   */
  drainSeconds: number;
  /**
   * `PADDOCK_AGENT_TIMEOUT_SECONDS` (default 60): how long a sandbox's guest agent may take to
   * answer a call (a buffered exec: its `timeout_ms` more) before the call is `503
   * sandbox_unavailable`. The agent is code in the sandbox; one that never answers must not
   * hold the API call forever.
   */
  agentTimeoutSeconds: number;
  defaultLimits: SandboxLimits;
  maxLimits: SandboxLimits;
  /** `PADDOCK_PREVIEW_URL`; unset: `http://preview.localhost:<port>` on the daemon's own port. */
  previewUrl: string | undefined;
  /**
   * `PADDOCK_APPS_URL`; unset: `http://apps.localhost:<port>` on the daemon's own port. Each
   * installed web app is served at `{appId}.<domain>`, an origin of its own.
   */
  appsUrl: string | undefined;
  /**
   * `PADDOCK_PUBLIC_URL`: the URL the console is opened at when it is not a loopback name on
   * the daemon's port (a reverse proxy, a LAN name). Its host joins the hosts the console and
   * the API answer on; every other Host gets 421.
   */
  publicUrl: URL | undefined;
  /**
   * `PADDOCK_METRICS_TOKEN`: a bearer token good for `GET /metrics` only (a Prometheus scrape
   * config). Unset: only admin credentials read `/metrics`.
   */
  metricsToken: string | undefined;
  /** Host-wide, world-readable: sandboxes mount preset dependencies from here (read-only). */
  cacheDir: string;
  /**
   * `PADDOCK_SNAPSHOT_MAX_MB`: the most file content one snapshot captures or imports; default
   * the largest workspace allowed (PADDOCK_MAX_DISK_MB).
   */
  snapshotMaxBytes: number;
  /** `PADDOCK_SECRETS_KEY` (base64, 32 bytes); unset: a generated key file in the state dir. */
  secretsKey: string | undefined;
  /** `PADDOCK_EGRESS_RESOLVE` (`host=ip[:port],...`): development and tests only. */
  egressResolve: string | undefined;
  /**
   * `PADDOCK_EGRESS_UPSTREAM_CA`: a PEM file of CAs the egress proxy also trusts for upstreams
   * it terminates TLS for (a private CA; tests' loopback servers). Unset: Node's CA list only.
   */
  egressUpstreamCa: string | undefined;
  /**
   * `PADDOCK_SANDBOX_EXTRA_CA`: development and tests only. A PEM file of CAs added to the trust
   * bundle every sandbox sees (beside the egress proxy's CA), for TLS that passes through the
   * proxy as a tunnel to a loopback server (a test's package registry).
   */
  sandboxExtraCa: string | undefined;
}

export class ConfigError extends Error {}

function integer(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** `PADDOCK_DEFAULT_MEMORY_MB` and the like: whole numbers, as the ceilings are. */
function defaultLimit(
  env: NodeJS.ProcessEnv,
  key: keyof SandboxLimits,
  max: SandboxLimits,
): number {
  const name = `PADDOCK_DEFAULT_${key.toUpperCase()}`;
  const floor = Math.ceil(MIN_LIMITS[key]);
  return integer(env, name, Math.min(DEFAULT_LIMITS[key], max[key]), floor, max[key]);
}

/** `http(s)://host[:port]`, nothing else: the console is served at the root of its origin. */
function publicUrl(raw: string | undefined): URL | undefined {
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`PADDOCK_PUBLIC_URL is not a URL: "${raw}"`);
  }
  if (!isBareOrigin(url)) {
    throw new ConfigError(
      `PADDOCK_PUBLIC_URL must be http(s)://host[:port] with no path, got "${raw}"`,
    );
  }
  return url;
}

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): DaemonConfig {
  const maxLimits: SandboxLimits = {
    memory_mb: integer(env, 'PADDOCK_MAX_MEMORY_MB', DEFAULT_MAX_LIMITS.memory_mb, 64, 1 << 20),
    pids: integer(env, 'PADDOCK_MAX_PIDS', DEFAULT_MAX_LIMITS.pids, 16, 1 << 22),
    cpus: integer(env, 'PADDOCK_MAX_CPUS', DEFAULT_MAX_LIMITS.cpus, 1, 1024),
    disk_mb: integer(env, 'PADDOCK_MAX_DISK_MB', DEFAULT_MAX_LIMITS.disk_mb, 16, 1 << 24),
  };
  // What a sandbox gets when its request names no limit (every app's sandbox): at or below the
  // ceiling (a lowered ceiling lowers the built-in default with it) and at or above the floor
  // a sandbox boots with.
  const defaultLimits: SandboxLimits = {
    memory_mb: defaultLimit(env, 'memory_mb', maxLimits),
    pids: defaultLimit(env, 'pids', maxLimits),
    cpus: defaultLimit(env, 'cpus', maxLimits),
    disk_mb: defaultLimit(env, 'disk_mb', maxLimits),
  };
  const adminToken = env.PADDOCK_ADMIN_TOKEN?.trim() || undefined;
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new ConfigError('PADDOCK_ADMIN_TOKEN must be at least 16 characters');
  }
  const metricsToken = env.PADDOCK_METRICS_TOKEN?.trim() || undefined;
  if (metricsToken !== undefined && metricsToken.length < 16) {
    throw new ConfigError('PADDOCK_METRICS_TOKEN must be at least 16 characters');
  }
  return {
    host: env.PADDOCK_HOST?.trim() || '127.0.0.1',
    port: integer(env, 'PADDOCK_PORT', 7070, 0, 65535),
    dataDir: path.resolve(cwd, env.PADDOCK_DATA_DIR?.trim() || '.paddock'),
    adminToken,
    logLevel: env.PADDOCK_LOG_LEVEL?.trim() || 'info',
    warmPoolSize: integer(env, 'PADDOCK_WARM_POOL', 2, 0, 64),
    sweepAtStart: integer(env, 'PADDOCK_SWEEP_AT_START', 1, 0, 1) === 1,
    drainSeconds: integer(env, 'PADDOCK_DRAIN_SECONDS', 10, 0, 3600),
    agentTimeoutSeconds: integer(env, 'PADDOCK_AGENT_TIMEOUT_SECONDS', 60, 1, 3600),
    defaultLimits,
    maxLimits,
    previewUrl: env.PADDOCK_PREVIEW_URL?.trim() || undefined,
    appsUrl: env.PADDOCK_APPS_URL?.trim() || undefined,
    publicUrl: publicUrl(env.PADDOCK_PUBLIC_URL?.trim() || undefined),
    metricsToken,
    cacheDir: path.resolve(cwd, env.PADDOCK_CACHE_DIR?.trim() || '/var/cache/paddock'),
    snapshotMaxBytes:
      integer(env, 'PADDOCK_SNAPSHOT_MAX_MB', maxLimits.disk_mb, 1, 1 << 24) * 1024 * 1024,
    secretsKey: env.PADDOCK_SECRETS_KEY?.trim() || undefined,
    egressResolve: env.PADDOCK_EGRESS_RESOLVE?.trim() || undefined,
    egressUpstreamCa: env.PADDOCK_EGRESS_UPSTREAM_CA?.trim()
      ? path.resolve(cwd, env.PADDOCK_EGRESS_UPSTREAM_CA.trim())
      : undefined,
    sandboxExtraCa: env.PADDOCK_SANDBOX_EXTRA_CA?.trim()
      ? path.resolve(cwd, env.PADDOCK_SANDBOX_EXTRA_CA.trim())
      : undefined,
  };
}
