import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { AgentClient } from '@paddock/guest-agent';
import { PaddockError } from '@paddock/shared';
import type { AgentLogs } from './agentLogs.js';
import { pinAgentSocket, unpinAgentSocket, waitForAgentSocket } from './agentSocket.js';
import { prepareMountPoints } from './workspaceMounts.js';
import { assertDataGidFree, DATA_GID } from './sandboxUser.js';
import { buildBwrapArgs, tmpSizeFor } from './bwrapArgs.js';
import type { HostLayout } from '../host/hostLayout.js';
import type { SandboxCgroups } from '../cgroups/sandboxCgroups.js';
import { HOST_PATH, type HostTools } from '../host/hostCommands.js';
import { isAlive, processIdentity, waitForExit, type ProcessIdentity } from '../host/procStat.js';
import type { RuntimeFiles, SharedRuntimeFiles } from './runtimeFiles.js';
import type { SandboxRecord, SandboxFiles } from './sandboxFiles.js';
import type { WorkspaceDisk } from '../storage/workspaceDisk.js';
import { mountWritableLayers, unmountWritableLayers } from '../storage/writableLayers.js';
import { stageDataMounts, unstageDataMounts } from '../storage/dataMountBinds.js';

/**
 * Runs as root with the boot argv as positional parameters (never interpolated): lower our own
 * OOM score adjustment while we are still root (when the host allows it: see host/oomScore.ts), write
 * our pid into each cgroup, then exec setpriv -> bwrap. The sandbox's first process is therefore
 * in its cgroups before bubblewrap forks anything, and every later fork inherits both.
 */
const JOIN_CGROUPS_AND_EXEC = `adj=$1; n=$2; shift 2
if [ -n "$adj" ]; then
  printf '%s\\n' "$adj" > /proc/self/oom_score_adj ||
    echo "paddock: cannot set oom_score_adj to $adj" >&2
fi
while [ "$n" -gt 0 ]; do
  printf '%s\\n' "$$" > "$1" || { echo "paddock: cannot join cgroup $1" >&2; exit 125; }
  shift; n=$((n - 1))
done
exec "$@"`;

export interface LauncherContext {
  files: SandboxFiles;
  cgroups: SandboxCgroups;
  disk: WorkspaceDisk;
  runtime: RuntimeFiles;
  logs: AgentLogs;
  tools: HostTools;
  host: HostLayout;
  shared: SharedRuntimeFiles;
  bwrapPath: string;
  bootTimeoutMs: number;
  /** The agent's oom_score_adj, or null to leave the daemon's (the host refuses to lower it). */
  agentOomScoreAdj: number | null;
  /** Host dir bound read-only at /opt/paddock/cache in every sandbox, or null. */
  sharedCache: string | null;
}

/** The host-side argv that boots one sandbox: sh (join cgroups) -> setpriv (drop to uid) -> bwrap. */
export function bootArgv(ctx: LauncherContext, record: SandboxRecord): string[] {
  const bwrap = buildBwrapArgs({
    host: ctx.host,
    sandbox: ctx.files.paths(record.id),
    agentBundle: ctx.shared.agentBundle,
    fetchPreload: ctx.shared.fetchPreload,
    trust: ctx.shared.trust,
    emptyFile: ctx.shared.emptyFile,
    emptyDir: ctx.shared.emptyDir,
    tmpSizeBytes: tmpSizeFor(record.limits.memory_mb),
    mounts: record.mounts ?? [],
    dataMounts: record.dataMounts ?? [],
    sharedCache: ctx.sharedCache,
    seccomp: ctx.shared.seccompFilter !== null,
  });
  const procs = ctx.cgroups.procsFiles(record.id);
  return [
    '-c',
    JOIN_CGROUPS_AND_EXEC,
    'paddock-boot',
    ctx.agentOomScoreAdj === null ? '' : String(ctx.agentOomScoreAdj),
    String(procs.length),
    ...procs,
    ctx.tools.setpriv,
    `--reuid=${record.uid}`,
    `--regid=${record.gid}`,
    // The data group only for sandboxes with a filestore: it opens nothing else (ADR 0035).
    (record.dataMounts ?? []).length > 0 ? `--groups=${DATA_GID}` : '--clear-groups',
    '--inh-caps=-all',
    '--bounding-set=-all',
    '--no-new-privs',
    '--',
    ctx.bwrapPath,
    ...bwrap,
  ];
}

/**
 * Boot one sandbox: cgroups, runtime tmpfs, workspace mount, then bubblewrap, and wait until the
 * agent answers. `onSpawn` records the boot process before the wait, so a daemon that dies
 * mid-boot still finds (and can clean up) what it started. On failure everything is torn down
 * and the error carries the tail of the sandbox's log.
 */
export async function bootSandbox(
  ctx: LauncherContext,
  record: SandboxRecord,
  fresh: boolean,
  onSpawn: (boot: ProcessIdentity) => void,
): Promise<ProcessIdentity> {
  const { id } = record;
  await teardownSandbox(ctx, id, record.boot);
  let boot: ProcessIdentity | null = null;
  try {
    await ctx.cgroups.create(id);
    await ctx.cgroups.setLimits(id, record.limits);
    await ctx.runtime.mount(id, record.uid, record.gid);
    await ctx.disk.mount(ctx.files.imageFile(id), ctx.files.paths(id).workspaceDir, fresh);
    prepareMountPoints(ctx.files.paths(id).workspaceDir, record);
    await mountWritableLayers(ctx.tools, ctx.files.paths(id).workspaceDir, record.mounts ?? [], {
      uid: record.uid,
      gid: record.gid,
    });
    const dataMounts = record.dataMounts ?? [];
    if (dataMounts.length > 0) assertDataGidFree();
    await stageDataMounts(ctx.tools, ctx.files.paths(id).dataStagingDir, dataMounts, DATA_GID);

    const child = spawnDetached(ctx, record);
    const exited = new Promise<never>((_, reject) => {
      child.once('error', (err) => reject(new Error(`cannot start the sandbox: ${err.message}`)));
      child.once('exit', (code, signal) =>
        reject(new Error(`the sandbox exited during boot (${signal ?? `code ${code}`})`)),
      );
    });
    exited.catch(() => undefined);
    if (child.pid !== undefined) boot = processIdentity(child.pid);
    if (boot !== null) onSpawn(boot);

    const pinned = ctx.files.socketPath(id);
    const client = new AgentClient({ transport: 'unix', socketPath: pinned });
    const stopPolling = new AbortController();
    const deadline = Date.now() + ctx.bootTimeoutMs;
    try {
      // Pin the socket as soon as the agent has bound it: nothing else has run in the sandbox
      // yet, so the inode is the agent's. From here on only the pinned link is used.
      const bound = waitForAgentSocket(
        ctx.files.untrustedSocketPath(id),
        ctx.bootTimeoutMs,
        stopPolling.signal,
      );
      bound.catch(() => undefined);
      await Promise.race([bound, exited]);
      pinAgentSocket(ctx.files.untrustedSocketPath(id), pinned, record.uid);
      const ready = client.waitUntilReady({
        timeoutMs: Math.max(1, deadline - Date.now()),
        signal: stopPolling.signal,
      });
      ready.catch(() => undefined);
      await Promise.race([ready, exited]);
    } finally {
      stopPolling.abort();
      client.close();
      child.removeAllListeners('exit');
    }
    if (boot === null) throw new Error('the sandbox boot process vanished');
    return boot;
  } catch (err) {
    const tail = ctx.logs.tail(id).trim();
    await teardownSandbox(ctx, id, boot).catch(() => undefined);
    const reason = err instanceof Error ? err.message : String(err);
    throw new PaddockError(
      'driver_error',
      `sandbox ${id} failed to boot: ${reason}${tail === '' ? '' : `\n--- sandbox log ---\n${tail}`}`,
    );
  }
}

function spawnDetached(ctx: LauncherContext, record: SandboxRecord): ChildProcess {
  const logFd = ctx.logs.open(record.id);
  // Inherited through sh and setpriv as descriptor SECCOMP_FD; bwrap reads the filter from it.
  const filter = ctx.shared.seccompFilter;
  const seccompFd = filter === null ? null : fs.openSync(filter, 'r');
  try {
    // detached: a new session, so the sandbox outlives the daemon; stdio goes to the bounded
    // log in the runtime tmpfs, never to the daemon; the environment is only a PATH.
    const child = spawn('/bin/sh', bootArgv(ctx, record), {
      detached: true,
      stdio: ['ignore', logFd, logFd, ...(seccompFd === null ? [] : [seccompFd])],
      env: { PATH: HOST_PATH },
      cwd: '/',
    });
    child.unref();
    return child;
  } finally {
    fs.closeSync(logFd);
    if (seccompFd !== null) fs.closeSync(seccompFd);
  }
}

/** Running = the recorded boot process (same start time) is alive and the group is not empty. */
export async function isJailRunning(ctx: LauncherContext, record: SandboxRecord): Promise<boolean> {
  if (record.boot === null || !isAlive(record.boot)) return false;
  return (await ctx.cgroups.processes(record.id)).length > 0;
}

/**
 * Take down whatever of a sandbox is running or mounted, in dependency order: processes, then
 * the writable layers, the staged data mounts, the workspace, the runtime tmpfs, then the
 * cgroups. Safe to call on a clean sandbox.
 */
export async function teardownSandbox(
  ctx: LauncherContext,
  id: string,
  boot: ProcessIdentity | null,
): Promise<void> {
  // The boot process first: it may still be the shell that has not joined the cgroups yet.
  if (boot !== null && isAlive(boot)) killQuietly(boot.pid);
  if (ctx.cgroups.exists(id)) await ctx.cgroups.killAll(id);
  if (boot !== null && !(await waitForExit(boot, 5_000))) {
    throw new PaddockError('driver_error', `sandbox ${id} boot process ${boot.pid} did not exit`);
  }
  ctx.logs.save(id);
  unpinAgentSocket(ctx.files.socketPath(id));
  await unmountWritableLayers(ctx.tools, ctx.files.paths(id).workspaceDir);
  await unstageDataMounts(ctx.tools, ctx.files.paths(id).dataStagingDir);
  await ctx.disk.unmount(ctx.files.imageFile(id), ctx.files.paths(id).workspaceDir);
  await ctx.runtime.unmount(id);
  await ctx.cgroups.remove(id);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
