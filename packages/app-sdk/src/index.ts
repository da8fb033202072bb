// @paddock/app-sdk for web apps: connect() from a page in a desktop window. Browser-safe: no
// Node imports here (the service client is `@paddock/app-sdk/service`).
export { connect, type ConnectOptions, type WebClient } from './web.js';
export { PaddockError } from './errors.js';
export type { AppSurface, BrokerCall } from './surface.js';
export type { BrokerMethod, BrokerParams, BrokerResult } from '@paddock/shared';
