export { LocalDriver } from './driver/localDriver.js';
export type { LocalDriverOptions, DriverLogger } from './driver/driverOptions.js';
export { findLeftovers } from './driver/hostLeftovers.js';
export type {
  DataDirLeftovers,
  Leftover,
  LeftoverKind,
  LeftoverReason,
  LeftoverScope,
} from './driver/hostLeftovers.js';
export { sweepLeftovers, type SweepResult } from './driver/leftoverSweep.js';
