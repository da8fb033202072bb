import type { FastifyBaseLogger } from 'fastify';
import type { AuditLog } from '../audit/auditLog.js';
import type { DaemonMetrics } from '../http/metrics.js';
import type { RouteInstaller } from '../http/routes.js';
import type { SandboxLifecycle, SandboxService, SandboxStore } from '../sandboxes/index.js';
import type { SecretsService } from '../secrets/index.js';
import type { Db } from '../store/database.js';
import { FilestoreBackends } from './filestoreBackends.js';
import { FilestoreMounts } from './filestoreMounts.js';
import { filestoreRoutes } from './filestoreRoutes.js';
import { FilestoreService } from './filestoreService.js';
import { FilestoreStore } from './filestoreStore.js';
import { ManifestFilestores } from './manifestFilestores.js';

/**
 * The storage broker: filestores on their backends, their files for keys and for sandboxes'
 * data tokens, and their mounts into sandboxes (provided to the sandbox lifecycle).
 */
export function createFilestores(d: {
  db: Db;
  dataDir: string;
  secrets: SecretsService;
  audit: AuditLog;
  metrics: DaemonMetrics;
  log: FastifyBaseLogger;
  lifecycle: SandboxLifecycle;
  sandboxes: SandboxService;
  sandboxStore: SandboxStore;
  /** The owner's filestore byte limit; null: none. */
  quotaBytes: (owner: string) => Promise<number | null>;
}) {
  const store = new FilestoreStore(d.db);
  const backends = new FilestoreBackends(d);
  // Not awaited: a large store takes a while to walk, and nothing needs it done first.
  const started = Date.now();
  void backends.local.sweepCutWrites(started).then(
    (n) => n > 0 && d.log.warn({ files: n }, 'removed temp files of filestore writes cut short'),
    (err: unknown) => d.log.warn({ err }, 'sweeping cut filestore writes failed'),
  );
  const service = new FilestoreService({ ...d, store, backends });
  const mounts = new FilestoreMounts({
    store,
    backends,
    dataDir: d.dataDir,
    log: d.log.child({ component: 'filestores' }),
    quotaBytes: d.quotaBytes,
  });
  d.lifecycle.provideDataMounts(mounts);
  const manifests = new ManifestFilestores({ ...d, store, log: d.log });
  d.lifecycle.on('manifestApplied', (id, manifest) => {
    void manifests.apply(id, manifest).catch((err: unknown) => {
      d.log.warn({ err, sandbox_id: id }, "applying sandbox.yaml's filestores failed");
    });
  });
  const routes: RouteInstaller = async (app) => {
    await app.register(filestoreRoutes, {
      ...{ service, backends, mounts, store },
      sandboxes: d.sandboxes,
    });
  };
  return { store, backends, service, mounts, routes, close: () => backends.close() };
}
