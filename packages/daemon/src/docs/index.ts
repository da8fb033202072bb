import type { RouteInstaller } from '../http/routes.js';
import { REFERENCE_DIR, referenceRoutes } from './referenceRoutes.js';

/** The API reference, rendered from the OpenAPI document at build time, at `/docs`. */
export function docsApi(dir: string = REFERENCE_DIR): RouteInstaller {
  return async (app) => {
    await app.register(referenceRoutes, { dir });
  };
}
