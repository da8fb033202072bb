import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  PaddockError,
  type DataMount,
  type SandboxLimits,
  type WorkspaceMount,
} from '@paddock/shared';
import { GUEST_SOCKET_NAME, type SandboxPaths } from './bwrapArgs.js';
import type { ProcessIdentity } from '../host/procStat.js';

/** What the driver remembers about one sandbox, in `<dataDir>/sandboxes/<id>/state.json`. */
export interface SandboxRecord {
  version: 1;
  id: string;
  uid: number;
  gid: number;
  /** memory/pids/cpus as last applied; disk_mb is the size of the workspace image. */
  limits: SandboxLimits;
  /** Booted by the warm pool; `claimed` once handed out (an unclaimed member is not listed). */
  pooled: boolean;
  claimed: boolean;
  /** The boot process (bubblewrap's outer pid) while the sandbox is meant to be running. */
  boot: ProcessIdentity | null;
  /** Read-only mounts inside the workspace, applied at every boot (absent in older records). */
  mounts?: WorkspaceMount[];
  /** Filestores below GUEST_DATA_ROOT, applied at every boot (absent: none). */
  dataMounts?: DataMount[];
  created_at: string;
  updated_at: string;
  started_at: string | null;
  stopped_at: string | null;
}

/** sun_path is 108 bytes including the terminating NUL. */
export const MAX_SOCKET_PATH = 107;

const ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export function assertValidId(id: string): void {
  if (!ID_PATTERN.test(id)) throw new PaddockError('driver_error', `invalid sandbox id "${id}"`);
}

/** The first 10 hex of sha256(realpath(dataDir)): names this daemon's cgroups and runtime dir. */
export function dataDirTag(realDataDir: string): string {
  return crypto.createHash('sha256').update(realDataDir).digest('hex').slice(0, 10);
}

/**
 * Every sandbox's files on this host: where each one lives, and the state record (state.json).
 *
 * Two trees, on purpose:
 * - `<dataDir>/sandboxes/<id>/` (0700 root): state.json and workspace.img. Persistent, and never
 *   touched by the sandbox uid, so the data dir keeps whatever strict modes the daemon gave it.
 * - `<runtimeDir>/<tag>/<id>/` (a 4 MiB tmpfs, 0710 root:<sandbox gid>): the workspace mount point,
 *   the agent socket dir, the pinned link to the agent socket, the generated /etc files and the
 *   agent log. bubblewrap runs as the sandbox uid and opens its bind sources by path, so they must
 *   be reachable by that uid. `--bind-fd` does not avoid this (bwrap 0.8 resolves the fd back to a
 *   path and re-checks it), and making the data dir traversable would expose it to every sandbox
 *   uid. The runtime tree is searchable only down to each sandbox's own dir (gid-restricted), its
 *   socket paths stay short (~70 bytes, far from the 107-byte limit), the writable run dir and the
 *   log cannot fill the host disk (tmpfs size; its pages are charged to the sandbox's memory
 *   cgroup), and a reboot clears it together with the mounts it describes.
 */
export class SandboxFiles {
  readonly sandboxesDir: string;
  /** The per-data-dir runtime dir holding the shared read-only files and every sandbox's tmpfs. */
  readonly runtimeDir: string;

  constructor(
    readonly dataDir: string,
    runtimeRoot: string,
  ) {
    this.sandboxesDir = path.join(dataDir, 'sandboxes');
    this.runtimeDir = path.join(runtimeRoot, dataDirTag(dataDir));
  }

  stateDir(id: string): string {
    return path.join(this.sandboxesDir, id);
  }

  imageFile(id: string): string {
    return path.join(this.stateDir(id), 'workspace.img');
  }

  /**
   * Where a stopped sandbox's image is mounted while the host works on its files (snapshots):
   * inside the 0700 root state dir, so no sandbox uid can reach it.
   */
  offlineWorkspaceDir(id: string): string {
    return path.join(this.stateDir(id), 'workspace.mnt');
  }

  /** The last boot's agent log, copied out of the runtime tmpfs at stop. */
  savedLogFile(id: string): string {
    return path.join(this.stateDir(id), 'agent.log');
  }

  sandboxRuntimeDir(id: string): string {
    return path.join(this.runtimeDir, id);
  }

  logFile(id: string): string {
    return path.join(this.sandboxRuntimeDir(id), 'agent.log');
  }

  paths(id: string): SandboxPaths {
    const rt = this.sandboxRuntimeDir(id);
    return {
      workspaceDir: path.join(rt, 'workspace'),
      runDir: path.join(rt, 'run'),
      passwdFile: path.join(rt, 'etc', 'passwd'),
      groupFile: path.join(rt, 'etc', 'group'),
      hostsFile: path.join(rt, 'etc', 'hosts'),
      hostnameFile: path.join(rt, 'etc', 'hostname'),
      dataStagingDir: path.join(rt, 'data'),
    };
  }

  /**
   * The pinned agent socket: a hard link, made by the driver at boot, in the root-owned tmpfs
   * root. The only path the daemon ever connects to (see agentSocket.ts).
   */
  socketPath(id: string): string {
    return path.join(this.sandboxRuntimeDir(id), GUEST_SOCKET_NAME);
  }

  /**
   * Where the agent binds its socket: in the run dir, which the sandbox uid owns and can
   * rearrange at will. Only read at boot, to pin it; never connect to it.
   */
  untrustedSocketPath(id: string): string {
    return path.join(this.paths(id).runDir, GUEST_SOCKET_NAME);
  }

  /** Fail early and clearly rather than with EINVAL from connect(). */
  assertSocketPathFits(id: string): void {
    const socket = this.socketPath(id);
    if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) {
      throw new PaddockError(
        'driver_error',
        `agent socket path ${socket} is longer than ${MAX_SOCKET_PATH} bytes; use a shorter runtimeDir`,
      );
    }
  }

  ensureDirs(): void {
    fs.mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    fs.mkdirSync(this.sandboxesDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(this.sandboxesDir, 0o700);
  }

  createStateDir(id: string): void {
    fs.mkdirSync(this.stateDir(id), { mode: 0o700 });
  }

  /** Ids of every sandbox dir on disk (complete or not). */
  ids(): string[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.sandboxesDir);
    } catch {
      return [];
    }
    return names.filter((n) => ID_PATTERN.test(n)).sort();
  }

  exists(id: string): boolean {
    return fs.existsSync(this.stateDir(id));
  }

  read(id: string): SandboxRecord | null {
    try {
      return JSON.parse(
        fs.readFileSync(path.join(this.stateDir(id), 'state.json'), 'utf8'),
      ) as SandboxRecord;
    } catch {
      return null;
    }
  }

  /** The record of a sandbox this driver must know; a driver_error when there is none. */
  mustRead(id: string): SandboxRecord {
    const record = this.read(id);
    if (record === null) throw new PaddockError('driver_error', `no sandbox ${id} on this host`);
    return record;
  }

  /** Write temp + fsync + rename, so a crash leaves the old record or the new one, never half. */
  write(record: SandboxRecord): SandboxRecord {
    const next = { ...record, updated_at: new Date().toISOString() };
    const file = path.join(this.stateDir(record.id), 'state.json');
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    const fd = fs.openSync(tmp, 'wx', 0o600);
    try {
      fs.writeSync(fd, `${JSON.stringify(next, null, 2)}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    return next;
  }

  removeStateDir(id: string): void {
    fs.rmSync(this.stateDir(id), { recursive: true, force: true });
  }
}
