/**
 * The guest-agent protocol: plain HTTP/1.1 with JSON bodies, raw file bytes, and server-sent
 * events for streams. The local driver carries it over a unix socket; a Kubernetes pod will
 * carry the same requests over a TCP port, so nothing here may depend on the transport.
 *
 * This file holds the protocol's constants (routes, limits, the guest layout); the messages
 * themselves are TypeBox schemas in messages.ts.
 *
 * Errors use the API's envelope `{error: {code, message}}` with codes from errors.ts, so the
 * daemon can pass them through unchanged.
 */

import type { ErrorCode } from '../errors.js';

export const AGENT_PROTOCOL_VERSION = 1;

/**
 * The error codes an agent may answer with and the daemon passes on to its caller. Anything else
 * (an unknown code, `unauthorized`, a route or server error) means the agent misbehaved — code in
 * the sandbox can impersonate it — and the daemon reports `agent_error` instead.
 */
export const AGENT_ERROR_CODES = [
  'bad_request',
  'unknown_field',
  'invalid_path',
  'path_denied',
  'forbidden',
  'file_not_found',
  'not_a_directory',
  'is_a_directory',
  'directory_not_empty',
  'already_exists',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'process_not_found',
  'no_space',
  'sandbox_unavailable',
  'port_unreachable',
] as const satisfies readonly ErrorCode[];

/** Where the daemon reaches a sandbox's guest agent. */
export type AgentEndpoint =
  { transport: 'unix'; socketPath: string } | { transport: 'tcp'; host: string; port: number };

/** Paths of the agent's routes, relative to its root. */
export const AGENT_ROUTES = {
  health: '/health',
  exec: '/exec',
  processes: '/processes',
  /** `/processes/{id}`; GET inspects, DELETE kills. */
  process: (id: string) => `/processes/${encodeURIComponent(id)}`,
  processSignal: (id: string) => `/processes/${encodeURIComponent(id)}/signal`,
  processOutput: (id: string) => `/processes/${encodeURIComponent(id)}/output`,
  files: '/files',
  filesList: '/files/list',
  filesStat: '/files/stat',
  filesMkdir: '/files/mkdir',
  filesMove: '/files/move',
  /** `GET /files/watch?path=&recursive=&include_ignored=`: changes as server-sent events. */
  filesWatch: '/files/watch',
  shutdown: '/shutdown',
  /** Process supervision: PUT applies the desired set, GET lists it. */
  supervisor: '/supervisor',
  supervisorLogs: (name: string) => `/supervisor/${encodeURIComponent(name)}/logs`,
  supervisorRestart: (name: string) => `/supervisor/${encodeURIComponent(name)}/restart`,
  /** `GET /bridge?port=N` with `Upgrade: paddock-tcp`: a raw TCP stream to 127.0.0.1:N inside. */
  bridge: (port: number) => `/bridge?port=${port}`,
  /**
   * `GET /pty?cols=C&rows=R[&cwd=P][&shell=S]` with `Upgrade: paddock-pty`: a terminal, as
   * frames (agent/pty.ts).
   */
  pty: '/pty',
} as const;

/** The Upgrade token of a port bridge. */
export const AGENT_BRIDGE_PROTOCOL = 'paddock-tcp';

/**
 * Egress: the daemon's proxy is reachable inside every sandbox at 127.0.0.1:EGRESS_PROXY_PORT
 * (the driver's `serveEgress`). Children get HTTP(S)_PROXY pointing there; it is the only way out.
 */
export const EGRESS_PROXY_PORT = 3128;

/**
 * The name under which a sandbox reaches the daemon's API through its egress proxy (plain
 * HTTP; the bytes never leave the host), whatever its egress policy. Calls carry the sandbox's
 * own token from GUEST_TOKEN_FILE; the agent puts both in children's env.
 */
export const CONTROL_PLANE_HOST = 'paddock.internal';
export const GUEST_TOKEN_FILE = '/run/paddock/token';

/**
 * Where drivers show the egress proxy's CA inside a sandbox (the proxy terminates TLS with it
 * for hosts that get a secret injected), and the host's CA bundle with that CA added. The guest
 * agent points NODE_EXTRA_CA_CERTS, SSL_CERT_FILE and friends at them when they are there.
 */
export const GUEST_EGRESS_CA = '/opt/paddock/egress-ca.pem';
export const GUEST_CA_BUNDLE = '/opt/paddock/ca-certificates.crt';
/** The system CA bundle path (Debian family) the driver also covers with GUEST_CA_BUNDLE. */
export const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
/** A `--require` preload that sends Node's fetch through the proxy (fetch ignores HTTP(S)_PROXY). */
export const GUEST_FETCH_PRELOAD = '/opt/paddock/fetch-proxy.cjs';

/** The workspace as the guest sees it; also the default working directory. */
export const GUEST_WORKSPACE = '/workspace';

/** Where filestores appear inside a sandbox: every data mount's target is below it. */
export const GUEST_DATA_ROOT = '/data';

/**
 * Where every driver shows the host's shared read-only cache inside a sandbox (agent CLIs and
 * preset dependencies), at the same relative paths as under the host's cache root.
 */
export const GUEST_CACHE_DIR = '/opt/paddock/cache';

/**
 * The package managers of the shared cache (pnpm, yarn) as commands: last on every sandbox
 * child's PATH, so nothing in it shadows a system binary.
 */
export const GUEST_TOOLS_BIN = `${GUEST_CACHE_DIR}/bin`;

/** The signals a caller may send a background process. */
export const SIGNALS = [
  'SIGTERM',
  'SIGKILL',
  'SIGINT',
  'SIGHUP',
  'SIGQUIT',
  'SIGUSR1',
  'SIGUSR2',
  'SIGSTOP',
  'SIGCONT',
] as const;

/** Caps the agent enforces; the daemon documents the same numbers. */
export const AGENT_LIMITS = {
  /** Buffered exec keeps at most this many bytes per stream; the rest is dropped and flagged. */
  execOutputBytes: 1024 * 1024,
  /** A single file write may not exceed this. */
  fileWriteBytes: 256 * 1024 * 1024,
  /** Per background process, per stream. */
  processRingBytes: 256 * 1024,
  listEntries: 10_000,
  maxListDepth: 10,
  maxTimeoutMs: 24 * 60 * 60 * 1000,
  defaultShutdownGraceMs: 5_000,
  /** Finished background processes remembered for inspection. */
  finishedProcessesKept: 100,
} as const;

/** File watches' caps and timing: `maxWatches` is the daemon's to enforce, the rest the agent's. */
export const WATCH_LIMITS = {
  /** Open watches per sandbox, counted by the daemon; one more is refused with `rate_limited`. */
  maxWatches: 16,
  /**
   * The agent's own cap, a backstop above the daemon's (watches the daemon let go of may take a
   * moment to be dropped inside); one more is refused with `conflict`.
   */
  agentMaxWatches: 32,
  /** Directories one recursive watch follows (an inotify watch each); more is `bad_request`. */
  maxDirectories: 2048,
  /** Entries (files and directories) one watch keeps track of; more is `bad_request`. */
  maxEntries: 50_000,
  /** Changes to one path within this window are reported once, as their net effect. */
  coalesceMs: 50,
  /** Events sent per second at most; beyond that the watch sends `overflow` instead. */
  maxEventsPerSecond: 500,
  /** Distinct paths waiting within one window at most; beyond that, `overflow`. */
  maxPendingPaths: 4096,
} as const;

export const SUPERVISOR_LIMITS = {
  maxProcesses: 64,
  /** Combined output ring per supervised process. */
  logRingBytes: 256 * 1024,
  /** A run shorter than this is a quick failure. */
  quickFailureMs: 5_000,
  /** After this many quick failures in a row the process is `failed`. */
  maxQuickFailures: 5,
  backoffBaseMs: 500,
  backoffMaxMs: 30_000,
  /** TERM to KILL when a supervised process is stopped. */
  stopGraceMs: 5_000,
} as const;
