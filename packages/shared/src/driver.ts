import type { Server, Socket } from 'node:net';
import type { AgentEndpoint } from './agent/protocol.js';
import type { SandboxLimits } from './limits.js';

/**
 * How a sandbox is made. The daemon reaches sandboxes only through this interface and the
 * guest-agent protocol; `local` (bubblewrap) implements it now, `kubernetes` later.
 */
export interface SandboxDriver {
  readonly name: string;
  /** Facts about the host the driver runs on, shown by `/v1/system` and used in errors. */
  describe(): DriverDescription;
  /**
   * Provision storage and boot a new sandbox. The driver picks the id (a warm pool hands out
   * sandboxes that already exist), so callers record it only after this resolves.
   */
  create(spec: SandboxSpec): Promise<SandboxRuntime>;
  /** Boot an existing, stopped sandbox with its kept workspace. */
  start(id: string, spec: SandboxSpec): Promise<SandboxRuntime>;
  /** Stop every process (graceful, then forced); keep the workspace. Idempotent. */
  stop(id: string, options?: { graceMs?: number }): Promise<void>;
  /** Stop and remove everything: processes, mounts, cgroups, files. Idempotent. */
  destroy(id: string): Promise<void>;
  /** Change limits of a running sandbox where the host allows it (memory, pids, cpus). */
  updateLimits(id: string, limits: SandboxLimits): Promise<void>;
  /**
   * Run `fn` on the sandbox's workspace as a host directory that nothing in the sandbox changes
   * meanwhile: a running sandbox's processes are frozen for the duration, a stopped sandbox's
   * storage is attached privately. Calls for one sandbox are serialized with its lifecycle.
   */
  withWorkspace<T>(id: string, fn: (workspace: HostWorkspace) => Promise<T>): Promise<T>;
  /**
   * Puts a small file where the sandbox reads its credentials (`/run/paddock/<name>` inside),
   * readable only by the sandbox's user, replaced atomically. Fails if the sandbox is not running.
   */
  writeRunFile(id: string, name: string, content: string): Promise<void>;
  /**
   * Offers the daemon's egress proxy to a running sandbox: a listener whose connections come
   * from that sandbox's 127.0.0.1:EGRESS_PROXY_PORT, and only from it (so the listener says who
   * asks). The caller closes the server; it ends with the sandbox at the latest.
   */
  serveEgress(id: string, onConnection: (socket: Socket) => void): Promise<Server>;
  /**
   * Optional: a TCP connection to `port` on the sandbox's loopback, made from the host with no
   * relay. Null when the driver cannot make one right now (callers use the agent's bridge).
   */
  connectPort?(id: string, port: number, signal?: AbortSignal): Promise<Socket> | null;
  /** What the driver sees of one sandbox right now. */
  inspect(id: string): Promise<SandboxObservation>;
  /** Every sandbox the driver has on this host, running or not (for reconciliation at start). */
  list(): Promise<SandboxObservation[]>;
  /** How to reach the sandbox's guest agent. */
  agentEndpoint(id: string): AgentEndpoint;
  /** Release driver resources (warm pool); running sandboxes keep running. */
  close(): Promise<void>;
}

export interface SandboxSpec {
  limits: SandboxLimits;
  /** Host directories shown inside the workspace (e.g. a shared `node_modules`). */
  mounts?: WorkspaceMount[];
  /** User data (filestores) shown at absolute paths outside the workspace, e.g. `/data/inputs`. */
  dataMounts?: DataMount[];
}

/**
 * A host directory of user data shown at `target` (absolute, normalized, strictly below
 * GUEST_DATA_ROOT, segments of `[A-Za-z0-9._-]`; no two targets equal or nested; at most 16
 * per sandbox; drivers refuse others with `invalid_path` / `bad_request`). Read-only is the
 * kernel's (a read-only bind: EROFS for every program), not a convention. A writable one is
 * shared: several sandboxes (each with its own uid) may write it at once, and the daemon reads
 * and writes it from outside, so the driver makes what anyone creates there writable by every
 * sandbox that mounts it, whatever its umask (the local driver: a data group and POSIX ACLs,
 * ADR 0035; the source directory's group, setgid bits and ACLs are changed once to that end).
 */
export interface DataMount {
  source: string;
  target: string;
  readOnly: boolean;
}

/**
 * A host directory shown at `<workspace>/<name>`, read-only unless `writable`: how a preset's
 * pre-built dependencies reach every app of that preset without an install. `name` is one path
 * segment.
 */
export interface WorkspaceMount {
  source: string;
  name: string;
  /**
   * True: the sandbox may change it. Its changes go to a layer of its own over `source`, kept
   * in its workspace (so inside its disk limit), and `source` itself stays unchanged.
   */
  writable?: boolean;
}

/** A sandbox's workspace as the host sees it, for the length of a `withWorkspace` call. */
export interface HostWorkspace {
  root: string;
  /** The host uid and gid the sandbox's files belong to. */
  uid: number;
  gid: number;
  /** False only when the host has no freezer and the sandbox kept running during the call. */
  quiesced: boolean;
  /** True when the sandbox's processes are frozen for the call (false when it is stopped). */
  frozen: boolean;
}

export interface SandboxRuntime {
  id: string;
  /** True when this sandbox came from the warm pool. */
  pooled: boolean;
}

export type ObservedState = 'running' | 'stopped' | 'missing';

export interface SandboxObservation {
  id: string;
  state: ObservedState;
  /** OOM kills the kernel counted in this sandbox since it booted. */
  oom_kills: number;
  memory_bytes: number | null;
  pids: number | null;
}

export interface DriverDescription {
  driver: string;
  /** e.g. `v1` or `v2` for the local driver's cgroups. */
  cgroup: string;
  details: Record<string, string | number | boolean>;
}
