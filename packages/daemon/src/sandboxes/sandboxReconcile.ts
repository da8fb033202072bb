import type { SandboxDriver } from '@paddock/shared';
import type { EventLog } from '../events/eventLog.js';
import type { SandboxStore } from './sandboxStore.js';

export interface ReconcileResult {
  adopted: number;
  stopped: number;
  removed: number;
}

/** At start: adopt sandboxes that still run, mark the rest stopped, destroy strays. */
export async function reconcileSandboxes(o: {
  store: SandboxStore;
  driver: SandboxDriver;
  events: EventLog;
}): Promise<ReconcileResult> {
  const rows = await o.store.listLive();
  const known = new Set(rows.map((r) => r.id));
  const result: ReconcileResult = { adopted: 0, stopped: 0, removed: 0 };
  for (const row of rows) {
    const seen = await o.driver.inspect(row.id);
    if (seen.state === 'running' && row.status !== 'stopped') {
      if (row.status !== 'running')
        await o.store.update(row.id, { status: 'running', status_reason: null });
      result.adopted++;
      continue;
    }
    if (seen.state === 'running') {
      // The store says stopped (a stop was interrupted): finish it rather than leak processes.
      await o.driver.stop(row.id);
    }
    if (seen.state === 'missing' && row.status !== 'failed') {
      // Its files are not on this host: a delete the daemon died in, or a data dir restored
      // from a backup (ADR 0040).
      await o.store.update(row.id, {
        status: 'failed',
        status_reason:
          'its workspace is not on this host (a delete cut short, or a restored backup); delete it, or fork the app from a snapshot',
        stopped_at: row.stopped_at ?? new Date().toISOString(),
      });
      result.stopped++;
      continue;
    }
    if (row.status !== 'stopped' && row.status !== 'failed') {
      await o.store.update(row.id, {
        status: 'stopped',
        status_reason: 'found stopped when the daemon started',
        stopped_at: new Date().toISOString(),
      });
      await o.events.append({
        owner: row.owner_id,
        sandboxId: row.id,
        type: 'sandbox.stopped',
        severity: 'warn',
        message: 'Sandbox was not running when the daemon started',
        payload: { reason: 'reconcile' },
      });
      result.stopped++;
    }
  }
  for (const seen of await o.driver.list()) {
    if (!known.has(seen.id)) {
      await o.driver.destroy(seen.id);
      result.removed++;
    }
  }
  return result;
}
