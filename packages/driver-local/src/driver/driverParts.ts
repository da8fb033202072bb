import type { LauncherContext } from '../jail/launcher.js';
import type { UidAllocator } from '../jail/sandboxUser.js';
import type { WarmPools } from '../pool/warmPools.js';
import type { DriverLogger } from './driverOptions.js';
import type { LoopbackDoors } from './loopbackDoors.js';

/** What the driver's operations share: one per driver, handed to each of its rooms. */
export interface DriverParts {
  /** What boots and tears down one jail: files, cgroups, disk, runtime tmpfs, logs, host. */
  jail: LauncherContext;
  uids: UidAllocator;
  log: DriverLogger;
  /** Each sandbox's loopback connector and its egress listener. */
  doors: LoopbackDoors;
  /** The warm pools, or null when disabled; a destroyed member must be forgotten there. */
  pool: WarmPools | null;
}
