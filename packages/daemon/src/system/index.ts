import type { RouteInstaller } from '../http/routes.js';
import { systemRoutes, type SystemRoutesOptions } from './systemRoutes.js';

/** Health, readiness and what this daemon runs on (limits, driver). */
export function systemApi(opts: SystemRoutesOptions): RouteInstaller {
  return async (app) => {
    await app.register(systemRoutes, opts);
  };
}
