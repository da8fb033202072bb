import type { FastifyBaseLogger } from 'fastify';
import type { EventLog } from '../events/eventLog.js';
import type { PackageManagers } from '../presets/projectDependencies.js';
import type { RouteInstaller } from '../http/routes.js';
import type { SandboxLifecycle } from '../sandboxes/sandboxLifecycle.js';
import type { SandboxService } from '../sandboxes/sandboxService.js';
import type { SandboxStore } from '../sandboxes/sandboxStore.js';
import { manifestRoutes } from './manifestRoutes.js';
import { processRoutes } from './processRoutes.js';
import { RuntimeService, type RuntimeServiceOptions } from './runtimeService.js';
import { SandboxDetails, type PreviewLinks } from './sandboxDetails.js';

export type { RuntimeService } from './runtimeService.js';
export type { SandboxDetails, PreviewLinks } from './sandboxDetails.js';

/**
 * What runs in a sandbox: `sandbox.yaml` (or the preset's defaults) applied to the guest
 * agent's supervisor after every boot, the processes and their logs, and the sandbox as the
 * API shows it with its processes and preview.
 */
export function createProcesses(d: {
  sandboxes: SandboxService;
  store: SandboxStore;
  lifecycle: SandboxLifecycle;
  events: EventLog;
  links: PreviewLinks & { domain(): string };
  isPublic: (appId: string) => Promise<boolean>;
  appEnv: (appId: string) => Promise<Record<string, string>>;
  packageManagers: PackageManagers;
  importState: RuntimeServiceOptions['importState'];
  log: FastifyBaseLogger;
}) {
  const runtime = new RuntimeService({ ...d, previewDomain: () => d.links.domain() });
  runtime.subscribe(d.lifecycle);
  const details = new SandboxDetails({ runtime, isPublic: d.isPublic, links: d.links });
  const routes: RouteInstaller = async (app) => {
    await app.register(manifestRoutes);
    await app.register(processRoutes, { sandboxes: d.sandboxes, runtime });
  };
  return { runtime, details, routes };
}
