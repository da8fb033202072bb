import fs from 'node:fs';
import path from 'node:path';
import { PaddockError } from '@paddock/shared';

/** A top-level system path as it is on the host: a real directory or a merged-/usr symlink. */
export type SystemPath =
  { path: string; kind: 'dir' } | { path: string; kind: 'symlink'; target: string };

/** Facts about the host, probed once at driver start (see probeHostLayout below). */
export interface HostLayout {
  /** `/usr` and friends, in the order they must be set up. */
  systemPaths: SystemPath[];
  /** Credential files and directories under /etc that exist here; masked inside. */
  etcMaskFiles: string[];
  etcMaskDirs: string[];
  /** Node's real path, used both as the bind source and inside the sandbox. */
  nodePath: string;
  /** Read-only bind for node when it lives outside the system paths (its install prefix). */
  nodeBind: string | null;
}

/** Top-level system paths a sandbox sees; whichever of them exist on this host. */
const SYSTEM_PATHS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/**
 * Credential stores masked inside every sandbox when they exist. The sandbox uid could not read
 * most of them anyway (they are root-only); masking is the second wall, and it also hides files
 * that are world-readable by mistake (a token in /etc/npmrc, a unit file with a secret env).
 */
export const ETC_SECRET_FILES = [
  '/etc/shadow',
  '/etc/shadow-',
  '/etc/gshadow',
  '/etc/gshadow-',
  '/etc/sudoers',
  '/etc/security/opasswd',
  '/etc/krb5.keytab',
  '/etc/ipsec.secrets',
  '/etc/ppp/chap-secrets',
  '/etc/ppp/pap-secrets',
  '/etc/mysql/debian.cnf',
  '/etc/npmrc',
  '/etc/pip.conf',
  '/etc/netrc',
  '/etc/default/paddock',
];
export const ETC_SECRET_DIRS = [
  '/etc/sudoers.d',
  '/etc/ssh',
  '/etc/ssl/private',
  '/etc/pki/tls/private',
  '/etc/letsencrypt',
  '/etc/wireguard',
  '/etc/openvpn',
  '/etc/NetworkManager/system-connections',
  '/etc/docker',
  '/etc/kubernetes',
  '/etc/rancher',
  '/etc/ceph',
  '/etc/libvirt/secrets',
  '/etc/credstore',
  '/etc/credstore.encrypted',
  '/etc/systemd/system',
  '/etc/paddock',
];

/** Look at the host once: which system paths are dirs or symlinks, what to mask, where node is. */
export function probeHostLayout(nodePath: string): HostLayout {
  const systemPaths: SystemPath[] = [];
  for (const p of SYSTEM_PATHS) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      continue;
    }
    if (st.isSymbolicLink())
      systemPaths.push({ path: p, kind: 'symlink', target: fs.readlinkSync(p) });
    else if (st.isDirectory()) systemPaths.push({ path: p, kind: 'dir' });
  }
  if (!systemPaths.some((p) => p.path === '/usr' && p.kind === 'dir')) {
    throw new PaddockError('driver_error', 'the local driver needs /usr to be a directory');
  }

  const etcMaskFiles = ETC_SECRET_FILES.filter((f) => isKind(f, 'file'));
  const etcMaskDirs = ETC_SECRET_DIRS.filter((d) => isKind(d, 'dir'));
  // Anything directly in /etc that is not world-readable is private by its owner's choice.
  for (const name of fs.readdirSync('/etc')) {
    const full = path.join('/etc', name);
    const st = fs.lstatSync(full);
    if ((st.mode & 0o004) !== 0 || st.isSymbolicLink()) continue;
    if (st.isFile() && !etcMaskFiles.includes(full)) etcMaskFiles.push(full);
    if (st.isDirectory() && !etcMaskDirs.includes(full)) etcMaskDirs.push(full);
  }
  // A masked directory already hides masks inside it; bwrap could not mount into it anyway.
  const underMaskedDir = (p: string) => etcMaskDirs.some((d) => p.startsWith(`${d}/`));

  const realNode = fs.realpathSync(nodePath);
  const nodeBind = nodeBindFor(realNode, systemPaths);
  for (const p of [realNode, ...(nodeBind === null ? [] : [nodeBind])]) assertWorldReachable(p);
  return {
    systemPaths,
    etcMaskFiles: etcMaskFiles.filter((f) => !underMaskedDir(f)).sort(),
    etcMaskDirs: etcMaskDirs.filter((d) => !underMaskedDir(d)).sort(),
    nodePath: realNode,
    nodeBind,
  };
}

/** Node under a bound system dir needs nothing; elsewhere its install prefix is bound read-only. */
export function nodeBindFor(realNode: string, systemPaths: SystemPath[]): string | null {
  for (const p of systemPaths) {
    if (p.kind === 'dir' && realNode.startsWith(`${p.path}/`)) return null;
  }
  const prefix = path.dirname(path.dirname(realNode));
  return prefix === '/' ? realNode : prefix;
}

function isKind(p: string, kind: 'file' | 'dir'): boolean {
  try {
    const st = fs.lstatSync(p);
    return kind === 'file' ? st.isFile() : st.isDirectory();
  } catch {
    return false;
  }
}

/** bubblewrap runs as the sandbox uid, so node must be readable by a stranger. */
function assertWorldReachable(target: string): void {
  let dir = path.dirname(target);
  for (;;) {
    if ((fs.statSync(dir).mode & 0o001) === 0) {
      throw new PaddockError(
        'driver_error',
        `node at ${target} is not reachable by unprivileged users (${dir} is not world-searchable); ` +
          'install node system-wide or pass nodePath',
      );
    }
    if (dir === '/') break;
    dir = path.dirname(dir);
  }
  if ((fs.statSync(target).mode & 0o005) === 0) {
    throw new PaddockError(
      'driver_error',
      `node at ${target} is not readable by unprivileged users`,
    );
  }
}
