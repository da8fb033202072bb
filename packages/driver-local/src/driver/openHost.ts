import fs from 'node:fs';
import { PaddockError } from '@paddock/shared';
import { detectCgroups } from '../cgroups/detectCgroups.js';
import { bubblewrapVersion, findHostTools, mustRun } from '../host/hostCommands.js';
import { writeOwner } from '../host/daemonOwner.js';
import { probeHostLayout } from '../host/hostLayout.js';
import { AGENT_OOM_SCORE_ADJ, probeAgentOomScoreAdj } from '../host/oomScore.js';
import { assertUserNamespaces } from '../host/userNamespaces.js';
import { AgentLogs } from '../jail/agentLogs.js';
import type { LauncherContext } from '../jail/launcher.js';
import { RuntimeFiles } from '../jail/runtimeFiles.js';
import { dataDirTag, SandboxFiles } from '../jail/sandboxFiles.js';
import { DEFAULT_UID_CLAIM_DIR, UidAllocator } from '../jail/sandboxUser.js';
import { buildSeccompFilter, hostSeccompArch } from '../seccomp/seccompFilter.js';
import { WorkspaceDisk } from '../storage/workspaceDisk.js';
import type { DriverLogger, LocalDriverOptions } from './driverOptions.js';
import { sweepDeletedDataDirs } from './startupSweep.js';

/** What `describe()` reports about the host beyond the launcher's context. */
export interface HostFacts {
  bwrapVersion: string;
  nodeVersion: string;
}

export interface OpenedHost {
  jail: LauncherContext;
  uids: UidAllocator;
  facts: HostFacts;
}

/**
 * Check the host (root, bubblewrap, tools, data dir, cgroups, node, user namespaces, OOM
 * score) in this order, so the first thing missing is the one reported, and build what every
 * boot needs.
 */
export async function openHost(
  options: LocalDriverOptions,
  log: DriverLogger,
): Promise<OpenedHost> {
  if (process.getuid?.() !== 0) {
    throw new PaddockError(
      'driver_error',
      'the local driver must run as root: it mounts workspaces, manages cgroups and drops each sandbox to its own uid',
    );
  }
  const bwrapPath = options.bwrapPath ?? '/usr/bin/bwrap';
  const bwrapVersion = await bubblewrapVersion(bwrapPath);
  const tools = findHostTools();

  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const dataDir = fs.realpathSync(options.dataDir);
  const files = new SandboxFiles(dataDir, options.runtimeDir ?? '/run/paddock');
  files.assertSocketPathFits(options.newId());
  files.ensureDirs();

  const cgroups = await detectCgroups(`paddock-${dataDirTag(dataDir)}`);
  const host = probeHostLayout(options.nodePath ?? process.execPath);
  const nodeVersion = (await mustRun(host.nodePath, ['--version'])).trim();
  await assertUserNamespaces(bwrapPath, tools);
  const agentOomScoreAdj = await probeAgentOomScoreAdj();
  if (agentOomScoreAdj === null) {
    log.warn(
      { wanted: AGENT_OOM_SCORE_ADJ },
      'this host does not let the daemon lower oom_score_adj (no CAP_SYS_RESOURCE); sandbox agents keep the default and are ordinary OOM candidates',
    );
  }

  const runtime = new RuntimeFiles(files, tools);
  const shared = runtime.prepareShared(
    options.agentBundlePath,
    options.trustedCaPem ?? null,
    seccompFilterFor(options.seccomp ?? true, log),
  );
  writeOwner(files.runtimeDir, dataDir);
  if (options.sweepAtStart ?? true) await sweepDeletedDataDirs(options, log);
  const jail: LauncherContext = {
    files,
    cgroups,
    disk: new WorkspaceDisk(tools),
    runtime,
    logs: new AgentLogs(files),
    tools,
    host,
    shared,
    bwrapPath,
    bootTimeoutMs: options.bootTimeoutMs ?? 10_000,
    agentOomScoreAdj,
    sharedCache: options.sharedCacheDir ?? null,
  };
  const uids = new UidAllocator({ claimDir: options.uidClaimDir ?? DEFAULT_UID_CLAIM_DIR });
  return { jail, uids, facts: { bwrapVersion, nodeVersion } };
}

/** The filter for this machine, or null (asked off, or an architecture without a table). */
function seccompFilterFor(wanted: boolean, log: DriverLogger): Buffer | null {
  if (!wanted) return null;
  const arch = hostSeccompArch();
  if (arch === null) {
    log.warn(
      { arch: process.arch },
      'no seccomp table for this architecture: sandboxes run without a syscall filter',
    );
    return null;
  }
  return buildSeccompFilter(arch);
}
