import type { RouteInstaller } from '../http/routes.js';
import { DependencyUpdates, type DependencyUpdateDeps } from './dependencyUpdate.js';
import { dependencyUpdateRoutes } from './dependencyUpdateRoutes.js';

/**
 * Updates of the preset dependency caches and the pinned agent CLIs reaching existing apps
 * (`paddock deps update`, admin): rebuilt caches, apps moved over, old entries pruned.
 */
export function createDependencyUpdates(d: DependencyUpdateDeps) {
  const updates = new DependencyUpdates(d);
  const routes: RouteInstaller = async (app) => {
    await app.register(dependencyUpdateRoutes, { updates });
  };
  return { updates, routes };
}
