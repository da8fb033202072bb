import path from 'node:path';
import {
  GUEST_CA_BUNDLE,
  GUEST_CACHE_DIR,
  GUEST_EGRESS_CA,
  GUEST_FETCH_PRELOAD,
  GUEST_WORKSPACE,
  SYSTEM_CA_BUNDLE,
  type DataMount,
  type WorkspaceMount,
} from '@paddock/shared';
import type { HostLayout } from '../host/hostLayout.js';
import { stagedDataPath } from '../storage/dataMountBinds.js';

/** Where the agent's socket directory appears inside the sandbox. */
export const GUEST_RUN_DIR = '/run/paddock';
export const GUEST_SOCKET_NAME = 'agent.sock';
export const GUEST_AGENT_PATH = '/opt/paddock/agent.mjs';

export const SANDBOX_USER = 'sandbox';
export const SANDBOX_HOSTNAME = 'sandbox';

/** The only environment a sandbox gets; nothing is inherited from the daemon. */
export const SANDBOX_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: GUEST_WORKSPACE,
  LANG: 'C.UTF-8',
  USER: SANDBOX_USER,
};

/**
 * Small V8 heaps: the agent is a router, user code runs in its own processes. One V8 worker
 * thread instead of four: threads count against pids.max, and a 64 MiB heap needs no more.
 */
export const AGENT_NODE_FLAGS = [
  '--max-old-space-size=64',
  '--max-semi-space-size=2',
  '--v8-pool-size=1',
];

/** Host paths of one sandbox's own files (all inside its runtime tmpfs). */
export interface SandboxPaths {
  workspaceDir: string;
  runDir: string;
  passwdFile: string;
  groupFile: string;
  hostsFile: string;
  hostnameFile: string;
  /** Where the driver binds each data mount's source before boot (storage/dataMountBinds.ts). */
  dataStagingDir: string;
}

export interface BwrapInput {
  host: HostLayout;
  sandbox: SandboxPaths;
  /** Host path of the agent bundle the sandbox runs (read-only). */
  agentBundle: string;
  /** The fetch preload children load, and the part it loads on first use; null: none. */
  fetchPreload: { preload: string; agent: string } | null;
  /**
   * The egress CA and a CA bundle with it added. The bundle also covers the system bundle
   * when the host has one (`hasSystemBundle`), so tools that read only the system store trust it.
   */
  trust: { caFile: string; bundle: string; hasSystemBundle: boolean } | null;
  /** An empty read-only file and an empty read-only directory, used to mask secrets. */
  emptyFile: string;
  emptyDir: string;
  /** Size of the private /tmp tmpfs. Its pages are charged to the sandbox's memory cgroup. */
  tmpSizeBytes: number;
  /**
   * Host directories over `<workspace>/<name>` (mount points prepared by the launcher): read-only
   * binds of their source, or, when writable, the layer already mounted there.
   */
  mounts: WorkspaceMount[];
  /**
   * Filestores at their targets below GUEST_DATA_ROOT, bound from their staged copies in
   * `sandbox.dataStagingDir` (`<index>`): read-only ones with --ro-bind (the kernel answers
   * EROFS to every writer), writable ones with --bind.
   */
  dataMounts: DataMount[];
  /** The shared cache, bound read-only at GUEST_CACHE_DIR in every sandbox; null: none. */
  sharedCache: string | null;
  /** Whether the syscall filter is open at SECCOMP_FD for bwrap to load. */
  seccomp: boolean;
}

/** The descriptor the launcher hands bwrap the seccomp filter on (its stdio are 0 to 2). */
export const SECCOMP_FD = 3;

/**
 * The complete bubblewrap argv for one sandbox (without the bwrap path itself). Pure: every
 * host fact comes in through `input`, so the isolation policy can be read and tested here.
 * Order matters to bwrap (later mounts cover earlier ones): namespaces and environment, the
 * host's files, the sandbox's own, then the agent's command line.
 */
export function buildBwrapArgs(input: BwrapInput): string[] {
  return [
    ...namespaceArgs(),
    // Loaded by bwrap just before it runs the agent: everything in the sandbox runs under it.
    ...(input.seccomp ? ['--seccomp', String(SECCOMP_FD)] : []),
    ...hostFileArgs(input),
    ...sandboxFileArgs(input),
    '--',
    ...agentCommand(input.host),
  ];
}

function namespaceArgs(): string[] {
  const args: string[] = [
    // Own user namespace (the sandbox uid mapped to itself: nothing inside is root), and no
    // nested ones: --disable-userns stops user code from regaining capabilities in a new userns.
    '--unshare-user',
    '--disable-userns',
    '--unshare-pid',
    // A fresh network namespace has only a down-then-up loopback: no route to the host or beyond.
    '--unshare-net',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup',
    // A new session so user code cannot push input into a terminal (TIOCSTI).
    '--new-session',
    '--cap-drop',
    'ALL',
    '--hostname',
    SANDBOX_HOSTNAME,
    // Deliberately no --die-with-parent: sandboxes outlive a daemon restart and are re-adopted.
    '--clearenv',
  ];
  for (const [name, value] of Object.entries(SANDBOX_ENV)) args.push('--setenv', name, value);
  return args;
}

/** The host's system directories and /etc, read-only, with credentials masked. */
function hostFileArgs(input: BwrapInput): string[] {
  const { host, sandbox } = input;
  const args: string[] = [];
  // Host system directories, read-only; on merged-/usr hosts /bin etc. are symlinks into /usr.
  for (const p of host.systemPaths) {
    if (p.kind === 'dir') args.push('--ro-bind', p.path, p.path);
    else args.push('--symlink', p.target, p.path);
  }
  if (host.nodeBind !== null) args.push('--ro-bind', host.nodeBind, host.nodeBind);

  // /etc read-only, then credential stores masked and identity files replaced.
  args.push('--ro-bind', '/etc', '/etc');
  for (const file of host.etcMaskFiles) args.push('--ro-bind', input.emptyFile, file);
  for (const dir of host.etcMaskDirs) args.push('--ro-bind', input.emptyDir, dir);
  args.push(
    '--ro-bind',
    sandbox.passwdFile,
    '/etc/passwd',
    '--ro-bind',
    sandbox.groupFile,
    '/etc/group',
    '--ro-bind',
    sandbox.hostsFile,
    '/etc/hosts',
    '--ro-bind',
    sandbox.hostnameFile,
    '/etc/hostname',
  );
  if (input.trust?.hasSystemBundle) args.push('--ro-bind', input.trust.bundle, SYSTEM_CA_BUNDLE);
  return args;
}

/** /proc, /dev, /tmp, the agent's files, the workspace and its mounts, the run dir. */
function sandboxFileArgs(input: BwrapInput): string[] {
  const { sandbox } = input;
  const args: string[] = [
    '--proc',
    '/proc',
    // A minimal /dev: null, zero, full, random, urandom, tty, a private devpts and /dev/shm.
    '--dev',
    '/dev',
    '--size',
    String(input.tmpSizeBytes),
    '--tmpfs',
    '/tmp',
    // Some tools insist on /var/tmp; point it at the private /tmp rather than binding /var.
    '--symlink',
    '../tmp',
    '/var/tmp',
    '--ro-bind',
    input.agentBundle,
    GUEST_AGENT_PATH,
    ...(input.fetchPreload === null
      ? []
      : [
          '--ro-bind',
          input.fetchPreload.preload,
          GUEST_FETCH_PRELOAD,
          '--ro-bind',
          input.fetchPreload.agent,
          // Beside the preload, which requires it by its relative name.
          `${path.posix.dirname(GUEST_FETCH_PRELOAD)}/fetch-proxy-agent.cjs`,
        ]),
    ...(input.trust === null
      ? []
      : [
          '--ro-bind',
          input.trust.caFile,
          GUEST_EGRESS_CA,
          '--ro-bind',
          input.trust.bundle,
          GUEST_CA_BUNDLE,
        ]),
    ...(input.sharedCache === null ? [] : ['--ro-bind', input.sharedCache, GUEST_CACHE_DIR]),
    '--bind',
    sandbox.workspaceDir,
    GUEST_WORKSPACE,
  ];
  for (const m of input.mounts) {
    // A writable mount is the overlay the driver mounted at that place in the workspace
    // (storage/writableLayers.ts); bound again by name so it never depends on bwrap's recursion.
    if (m.writable === true) {
      const layer = path.join(sandbox.workspaceDir, m.name);
      args.push('--bind', layer, `${GUEST_WORKSPACE}/${m.name}`);
    } else {
      args.push('--ro-bind', m.source, `${GUEST_WORKSPACE}/${m.name}`);
    }
  }
  for (const [i, m] of input.dataMounts.entries()) {
    const staged = stagedDataPath(sandbox.dataStagingDir, i);
    args.push(m.readOnly ? '--ro-bind' : '--bind', staged, m.target);
  }
  args.push(
    '--bind',
    sandbox.runDir,
    GUEST_RUN_DIR,
    // The root itself is bwrap's tmpfs; freeze it so user code can only write to the
    // workspace, /tmp and /dev/shm.
    '--remount-ro',
    '/',
    '--chdir',
    GUEST_WORKSPACE,
  );
  return args;
}

function agentCommand(host: HostLayout): string[] {
  return [
    host.nodePath,
    ...AGENT_NODE_FLAGS,
    GUEST_AGENT_PATH,
    '--socket',
    `${GUEST_RUN_DIR}/${GUEST_SOCKET_NAME}`,
    '--workspace',
    GUEST_WORKSPACE,
  ];
}

/** /etc/passwd and /etc/group as the sandbox sees them: only root, the sandbox user and nobody. */
export function sandboxIdentityFiles(uid: number, gid: number): { passwd: string; group: string } {
  return {
    passwd:
      'root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n' +
      `${SANDBOX_USER}:x:${uid}:${gid}:Paddock sandbox:${GUEST_WORKSPACE}:/bin/sh\n` +
      'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
    group: `root:x:0:\n${SANDBOX_USER}:x:${gid}:\nnogroup:x:65534:\n`,
  };
}

export const SANDBOX_HOSTS_FILE =
  `127.0.0.1\tlocalhost\n127.0.1.1\t${SANDBOX_HOSTNAME}\n` +
  '::1\tlocalhost ip6-localhost ip6-loopback\n';

/** /tmp gets a quarter of the memory limit (tmpfs pages count against that limit anyway). */
export function tmpSizeFor(memoryMb: number): number {
  return Math.max(16, Math.floor(memoryMb / 4)) * 1024 * 1024;
}
