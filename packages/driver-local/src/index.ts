export { LocalDriver } from './driver/localDriver.js';
export type { LocalDriverOptions, DriverLogger } from './driver/driverOptions.js';
export { findLeftovers } from './host/hostLeftovers.js';
export type {
  DataDirLeftovers,
  Leftover,
  LeftoverKind,
  LeftoverReason,
  LeftoverScope,
} from './host/hostLeftovers.js';
export { sweepLeftovers, type SweepResult } from './host/leftoverSweep.js';
