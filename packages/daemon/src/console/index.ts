import type { RouteInstaller } from '../http/routes.js';
import { consoleRoutes } from './consoleRoutes.js';

/** The built console SPA at `/`; it talks only to /v1. */
export function consoleApi(distDir: string): RouteInstaller {
  return async (app) => {
    await app.register(consoleRoutes, { distDir });
  };
}
