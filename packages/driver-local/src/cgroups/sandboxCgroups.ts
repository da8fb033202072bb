/** The limits cgroups enforce; disk is the workspace image's job. */
export interface CgroupLimits {
  memory_mb: number;
  pids: number;
  cpus: number;
}

export interface CgroupStats {
  oomKills: number;
  memoryBytes: number | null;
  pids: number | null;
}

/**
 * One sandbox's control groups, on either cgroup version. Groups live under a parent named for
 * the daemon's data dir, so several daemons on one host never touch each other's groups.
 */
export interface SandboxCgroups {
  readonly version: 'v1' | 'v2';
  describe(): Record<string, string | number | boolean>;
  /** Create the sandbox's group(s); existing ones are kept. */
  create(id: string): Promise<void>;
  exists(id: string): boolean;
  /** Apply limits; works on a live group. */
  setLimits(id: string, limits: CgroupLimits): Promise<void>;
  /** The `cgroup.procs` files the sandbox's first process writes itself into. */
  procsFiles(id: string): string[];
  processes(id: string): Promise<number[]>;
  stats(id: string): Promise<CgroupStats>;
  /**
   * Stop every process in the group where it stands (the cgroup freezer), so nothing in the
   * sandbox changes while the host reads or writes its workspace. False when this host has no
   * freezer for the group; throws when the group does not settle frozen in time (thawed again).
   */
  freeze(id: string, timeoutMs?: number): Promise<boolean>;
  thaw(id: string): Promise<void>;
  /** SIGKILL everything in the group and wait until it is empty. */
  killAll(id: string, timeoutMs?: number): Promise<void>;
  /** Remove the (empty) group; missing groups are fine. */
  remove(id: string): Promise<void>;
  /** Remove the per-data-dir parent if nothing is left in it. */
  removeParent(): Promise<void>;
}
