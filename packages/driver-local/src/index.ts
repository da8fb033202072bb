export { LocalDriver } from './driver/localDriver.js';
export type { LocalDriverOptions, DriverLogger } from './driver/driverOptions.js';
