import type { FastifyBaseLogger } from 'fastify';
import type { EventLog } from '../events/eventLog.js';
import type { SandboxService } from '../sandboxes/sandboxService.js';
import type { SandboxStore } from '../sandboxes/sandboxStore.js';
import type { AppStore } from './appStore.js';

/**
 * At start, before anything is served: an app the daemon stopped in the middle of making (it
 * was never given its sandbox, so its create never answered) is removed whole, with any
 * sandbox made for it. The client got no answer and may retry; a fork or an import cut short
 * leaves nothing half-made behind.
 */
export async function removeCutShortApps(o: {
  apps: AppStore;
  sandboxes: SandboxService;
  sandboxRows: SandboxStore;
  events: EventLog;
  log: FastifyBaseLogger;
}): Promise<number> {
  const cut = await o.apps.listUnlinked();
  for (const app of cut) {
    for (const sandbox of await o.sandboxRows.listLiveForApp(app.id)) {
      await o.sandboxes.delete(app.owner_id, sandbox.id);
    }
    await o.apps.remove(app.id);
    await o.events.append({
      owner: app.owner_id,
      sandboxId: null,
      type: 'app.create_failed',
      severity: 'warn',
      message: `Making app "${app.name}" was cut short when the daemon stopped; it is removed`,
      payload: { app_id: app.id },
    });
    o.log.warn({ app_id: app.id }, 'removed an app whose create a stop cut short');
  }
  return cut.length;
}
