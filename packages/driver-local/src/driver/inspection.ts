import os from 'node:os';
import type { DriverDescription, SandboxObservation } from '@paddock/shared';
import { ownOomScoreAdj } from '../host/oomScore.js';
import { isJailRunning } from '../jail/launcher.js';
import { assertValidId } from '../jail/sandboxFiles.js';
import type { DriverParts } from './driverParts.js';
import type { HostFacts } from './openHost.js';

export function describeDriver(d: DriverParts, facts: HostFacts): DriverDescription {
  const { jail } = d;
  return {
    driver: 'local',
    cgroup: jail.cgroups.version,
    details: {
      bwrap_version: facts.bwrapVersion,
      bwrap_path: jail.bwrapPath,
      node_path: jail.host.nodePath,
      node_version: facts.nodeVersion,
      kernel: os.release(),
      data_dir: jail.files.dataDir,
      runtime_dir: jail.files.runtimeDir,
      uid_claim_dir: d.uids.claimDir,
      warm_pool_size: d.pool?.size ?? 0,
      warm_pool_ready: d.pool?.readyCount ?? 0,
      // What each agent runs with: the lowered score, or the daemon's own when the host refuses.
      agent_oom_score_adj: jail.agentOomScoreAdj ?? ownOomScoreAdj(),
      agent_oom_protected: jail.agentOomScoreAdj !== null,
      // Whether sandboxes run under the syscall filter (seccomp/syscallPolicy.ts).
      seccomp: jail.shared.seccompFilter !== null,
      ...jail.cgroups.describe(),
    },
  };
}

export async function inspect(d: DriverParts, id: string): Promise<SandboxObservation> {
  const idle = { id, oom_kills: 0, memory_bytes: null, pids: null };
  try {
    assertValidId(id);
  } catch {
    return { ...idle, state: 'missing' };
  }
  if (!d.jail.files.exists(id)) return { ...idle, state: 'missing' };
  const record = d.jail.files.read(id);
  if (record === null || !(await isJailRunning(d.jail, record))) {
    return { ...idle, state: 'stopped' };
  }
  const stats = await d.jail.cgroups.stats(id);
  return {
    id,
    state: 'running',
    oom_kills: stats.oomKills,
    memory_bytes: stats.memoryBytes,
    pids: stats.pids,
  };
}

/** Every sandbox but unclaimed pool members. */
export async function list(d: DriverParts): Promise<SandboxObservation[]> {
  const out: SandboxObservation[] = [];
  for (const id of d.jail.files.ids()) {
    const record = d.jail.files.read(id);
    if (record === null || (record.pooled && !record.claimed)) continue;
    out.push(await inspect(d, id));
  }
  return out;
}
