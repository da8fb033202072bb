export { LocalDriver } from './localDriver.js';
export type { LocalDriverOptions, DriverLogger } from './localDriver.js';
