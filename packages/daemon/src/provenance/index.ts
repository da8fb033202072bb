import type { RouteInstaller } from '../http/routes.js';
import type { Db } from '../store/database.js';
import { agentChanges } from './agentChanges.js';
import { ProvenanceRecord } from './provenanceRecord.js';
import { ProvenanceStore } from './provenanceStore.js';

export { subjectOf, type Provenance, type ProvenanceRecord } from './provenanceRecord.js';

/**
 * Provenance: what changed each app's files (tasks, agent keys), copied along with its code
 * through snapshots, forks, restores, exports and imports; an app is ai-generated when any
 * agent changed it. `routes` adds no route: it records agent keys' changes on the routes that
 * make them (install it right after auth).
 */
export function createProvenance(d: { db: Db }) {
  const record = new ProvenanceRecord(new ProvenanceStore(d.db));
  const routes: RouteInstaller = async (app) => {
    await app.register(agentChanges, { record });
  };
  return {
    record,
    provenanceOf: (appId: string) => record.provenanceOf(appId),
    routes,
  };
}
