import type { FastifyBaseLogger } from 'fastify';
import {
  DependencyCache,
  packageManagerInSandbox,
  toolModulesInSandbox,
  type PackageManagerTool,
} from '@paddock/presets';
import type { RouteInstaller } from '../http/routes.js';
import type { SandboxLifecycle } from '../sandboxes/sandboxLifecycle.js';
import { PresetMounts } from './presetMounts.js';
import { presetRoutes } from './presetRoutes.js';

export type { PresetMounts, PresetDependencies } from './presetMounts.js';

/**
 * Presets and the host's shared cache: their dependencies mounted read-only into sandboxes,
 * and the agent CLIs tasks run and the package managers projects without a preset install
 * with, installed there on first use.
 */
export function createPresets(d: {
  cacheDir: string;
  lifecycle: SandboxLifecycle;
  log: FastifyBaseLogger;
}) {
  const cache = new DependencyCache({ root: d.cacheDir, log: d.log.child({ component: 'cache' }) });
  const mounts = new PresetMounts(cache, d.log);
  d.lifecycle.provideMounts((row) => mounts.mountsFor(row.preset));
  const tools = { ensure: (tool: string) => toolModulesInSandbox(cache, tool) };
  const packageManagers = (tool: PackageManagerTool) => packageManagerInSandbox(cache, tool);
  const routes: RouteInstaller = async (app) => {
    await app.register(presetRoutes, { cache });
  };
  return { cache, mounts, tools, packageManagers, routes };
}
