/** Resource limits of one sandbox. Units are in the names so nobody has to guess. */
export interface SandboxLimits {
  memory_mb: number;
  pids: number;
  /** CPU share as a number of cores; 0.5 means half a core. */
  cpus: number;
  disk_mb: number;
}

/** The defaults a sandbox gets when the request names no limit (issue: 1 GiB, 512 pids, 1 cpu). */
export const DEFAULT_LIMITS: SandboxLimits = { memory_mb: 1024, pids: 512, cpus: 1, disk_mb: 2048 };

/** The admin-set ceiling; a request above it is refused with `limit_exceeded`. */
export const DEFAULT_MAX_LIMITS: SandboxLimits = {
  memory_mb: 8192,
  pids: 4096,
  cpus: 4,
  disk_mb: 20480,
};

/** The floor below which a sandbox cannot boot its guest agent. */
// pids counts threads: an idle sandbox (bwrap, the agent and its V8 threads) already uses ~10.
export const MIN_LIMITS: SandboxLimits = { memory_mb: 64, pids: 32, cpus: 0.1, disk_mb: 16 };

export function exceededLimits(
  requested: SandboxLimits,
  max: SandboxLimits,
): (keyof SandboxLimits)[] {
  return (Object.keys(max) as (keyof SandboxLimits)[]).filter((k) => requested[k] > max[k]);
}
