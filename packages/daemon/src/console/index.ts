import type { RouteInstaller } from '../http/routes.js';
import { consoleCsp } from '../http/securityHeaders.js';
import { consoleRoutes } from './consoleRoutes.js';

/**
 * The built console SPA at `/`; it talks only to /v1. `frameSources`: the origins its pages
 * frame (app windows, previews), as CSP sources; read per answer, since they may follow the
 * daemon's port, known once it listens.
 */
export function consoleApi(distDir: string, frameSources: () => string[]): RouteInstaller {
  return async (app) => {
    await app.register(consoleRoutes, { distDir, csp: () => consoleCsp(frameSources()) });
  };
}
