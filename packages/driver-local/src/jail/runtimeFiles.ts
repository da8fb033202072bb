import fs from 'node:fs';
import path from 'node:path';
import { PaddockError, SYSTEM_CA_BUNDLE } from '@paddock/shared';
import { SANDBOX_HOSTNAME, SANDBOX_HOSTS_FILE, sandboxIdentityFiles } from './bwrapArgs.js';
import type { HostTools } from '../host/hostCommands.js';
import { mustRun } from '../host/hostCommands.js';
import { OWNER_FILE } from '../host/daemonOwner.js';
import { isMountPoint, unmountAll } from '../host/mountTable.js';
import type { SandboxFiles } from './sandboxFiles.js';

/** Hard cap of a sandbox's runtime tmpfs: sockets, generated /etc files and the agent log. */
const RUNTIME_TMPFS_SIZE = '4m';

/** Read-only files every sandbox of this daemon binds. */
export interface SharedRuntimeFiles {
  agentBundle: string;
  /** The fetch preload and the part it loads on first use, when the bundle has them. */
  fetchPreload: { preload: string; agent: string } | null;
  /** The egress CA and the host's CA bundle with it added; null without a CA. */
  trust: { caFile: string; bundle: string; hasSystemBundle: boolean } | null;
  emptyFile: string;
  emptyDir: string;
  /** The seccomp filter every sandbox runs under (BPF, for bwrap's --seccomp); null: none. */
  seccompFilter: string | null;
}

/** Files built beside the agent bundle (see @paddock/guest-agent's bundle.mjs). */
const PRELOAD_FILES = { preload: 'fetch-proxy.cjs', agent: 'fetch-proxy-agent.cjs' } as const;
const SHARED_NAMES = [
  'agent.mjs',
  PRELOAD_FILES.preload,
  PRELOAD_FILES.agent,
  'egress-ca.pem',
  'ca-certificates.crt',
  'empty',
  'empty.d',
  'seccomp.bpf',
  OWNER_FILE,
];

/** The runtime tree (see sandboxFiles.ts for why it is separate from the data dir). */
export class RuntimeFiles {
  constructor(
    private readonly files: SandboxFiles,
    private readonly tools: HostTools,
  ) {}

  /**
   * Create the per-data-dir runtime dir and its shared files. The agent bundle is copied in so
   * sandboxes never need to reach into the daemon's install tree (which may be under /root).
   */
  prepareShared(
    agentBundleSource: string,
    trustedCaPem: string | null,
    seccomp: Buffer | null,
  ): SharedRuntimeFiles {
    const dir = this.files.runtimeDir;
    if (!fs.existsSync(agentBundleSource)) {
      throw new PaddockError(
        'driver_error',
        `guest agent bundle not found at ${agentBundleSource}; build it with npm run build`,
      );
    }
    // 0711: sandbox uids may pass through to their own dir but not list anything.
    for (const d of [path.dirname(dir), dir]) {
      fs.mkdirSync(d, { recursive: true, mode: 0o711 });
      fs.chmodSync(d, 0o711);
    }
    const agentBundle = path.join(dir, 'agent.mjs');
    installReadOnly(agentBundle, fs.readFileSync(agentBundleSource));
    const sourceDir = path.dirname(agentBundleSource);
    let fetchPreload: SharedRuntimeFiles['fetchPreload'] = null;
    if (Object.values(PRELOAD_FILES).every((f) => fs.existsSync(path.join(sourceDir, f)))) {
      for (const f of Object.values(PRELOAD_FILES)) {
        installReadOnly(path.join(dir, f), fs.readFileSync(path.join(sourceDir, f)));
      }
      fetchPreload = {
        preload: path.join(dir, PRELOAD_FILES.preload),
        agent: path.join(dir, PRELOAD_FILES.agent),
      };
    }
    let trust: SharedRuntimeFiles['trust'] = null;
    if (trustedCaPem !== null) {
      const pem = `${trustedCaPem.trim()}\n`;
      const hasSystemBundle = fs.existsSync(SYSTEM_CA_BUNDLE);
      const system = hasSystemBundle ? fs.readFileSync(SYSTEM_CA_BUNDLE, 'utf8') : '';
      trust = {
        caFile: path.join(dir, 'egress-ca.pem'),
        bundle: path.join(dir, 'ca-certificates.crt'),
        hasSystemBundle,
      };
      installReadOnly(trust.caFile, pem);
      installReadOnly(trust.bundle, `${system.trimEnd()}${system === '' ? '' : '\n'}${pem}`);
    }

    const emptyFile = path.join(dir, 'empty');
    fs.writeFileSync(emptyFile, '');
    fs.chmodSync(emptyFile, 0o444);
    const emptyDir = path.join(dir, 'empty.d');
    fs.mkdirSync(emptyDir, { recursive: true });
    fs.chmodSync(emptyDir, 0o555);
    let seccompFilter: string | null = null;
    if (seccomp !== null) {
      seccompFilter = path.join(dir, 'seccomp.bpf');
      installReadOnly(seccompFilter, seccomp);
    }
    return { agentBundle, fetchPreload, trust, emptyFile, emptyDir, seccompFilter };
  }

  /** At close: drop the shared files unless some sandbox (still running) has its dir here. */
  removeSharedIfUnused(): void {
    const dir = this.files.runtimeDir;
    const shared = new Set(SHARED_NAMES);
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return;
    }
    if (names.every((n) => shared.has(n))) fs.rmSync(dir, { recursive: true, force: true });
  }

  /** Mount a fresh runtime tmpfs for one boot and fill it; mode 0710 root:<gid> lets only this sandbox in. */
  async mount(id: string, uid: number, gid: number): Promise<void> {
    const dir = this.files.sandboxRuntimeDir(id);
    await this.unmount(id);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    await mustRun(this.tools.mount, [
      '-t',
      'tmpfs',
      '-o',
      `size=${RUNTIME_TMPFS_SIZE},nr_inodes=1024,mode=0710,uid=0,gid=${gid},nosuid,nodev,noexec`,
      `paddock-${id}`,
      dir,
    ]);
    const p = this.files.paths(id);
    fs.mkdirSync(path.dirname(p.passwdFile), { mode: 0o755 });
    const identity = sandboxIdentityFiles(uid, gid);
    writeReadOnly(p.passwdFile, identity.passwd);
    writeReadOnly(p.groupFile, identity.group);
    writeReadOnly(p.hostsFile, SANDBOX_HOSTS_FILE);
    writeReadOnly(p.hostnameFile, `${SANDBOX_HOSTNAME}\n`);
    // The agent creates its socket here, so this one dir belongs to the sandbox uid. The daemon
    // never connects through it: the socket is pinned in the root-owned tmpfs root at boot.
    fs.mkdirSync(p.runDir, { mode: 0o700 });
    fs.chownSync(p.runDir, uid, gid);
    fs.mkdirSync(p.workspaceDir, { mode: 0o700 });
  }

  /** Unmount the tmpfs (the workspace under it must be unmounted first) and remove its dir. */
  async unmount(id: string): Promise<void> {
    const dir = this.files.sandboxRuntimeDir(id);
    await unmountAll(this.tools.umount, dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }

  isMounted(id: string): boolean {
    return isMountPoint(this.files.sandboxRuntimeDir(id));
  }
}

/** Copied in whole (temp file, then rename), so a sandbox booting meanwhile sees old or new. */
function installReadOnly(file: string, content: string | Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content, { mode: 0o444 });
  fs.chmodSync(tmp, 0o444);
  fs.renameSync(tmp, file);
}

function writeReadOnly(file: string, text: string): void {
  fs.writeFileSync(file, text, { mode: 0o644 });
}
