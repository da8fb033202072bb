import fs from 'node:fs';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { AppKeys } from '../appKeys/index.js';
import type { AppService } from '../apps/appService.js';
import type { AuditLog } from '../audit/auditLog.js';
import type { EventLog } from '../events/eventLog.js';
import type { RouteInstaller } from '../http/routes.js';
import type { Provenance } from '../provenance/index.js';
import type { SandboxService } from '../sandboxes/sandboxService.js';
import type { SnapshotService } from '../snapshots/snapshotService.js';
import type { PublishInstall } from './publishInstall.js';
import { publishRoutes } from './publishRoutes.js';
import { PublishService } from './publishService.js';

export {
  installThroughUserspace,
  type PublishInstall,
  type PublishInstallOptions,
} from './publishInstall.js';
export type { PublishService } from './publishService.js';

/**
 * Publishing: a build app becomes a signed userspace app package (its sandbox.yaml's publish
 * section), installed through `install`. What half-made packages a stopped daemon left in
 * `<data dir>/publish` are removed here.
 */
export function createPublish(d: {
  dataDir: string;
  apps: AppService;
  sandboxes: SandboxService;
  snapshots: SnapshotService;
  provenanceOfSnapshot: (snapshotId: string) => Promise<Provenance>;
  keys: AppKeys;
  install: PublishInstall;
  exclusive: <T>(sandboxId: string, fn: () => Promise<T>) => Promise<T>;
  events: EventLog;
  audit: AuditLog;
  log: FastifyBaseLogger;
}) {
  const workDir = path.join(d.dataDir, 'publish');
  fs.rmSync(workDir, { recursive: true, force: true });
  fs.mkdirSync(workDir, { recursive: true, mode: 0o700 });
  const service = new PublishService({
    ...d,
    workDir,
    log: d.log.child({ component: 'publish' }),
  });
  const routes: RouteInstaller = async (app) => {
    await app.register(publishRoutes, { publish: service });
  };
  return { service, routes };
}
