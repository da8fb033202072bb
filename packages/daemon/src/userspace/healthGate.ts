import { failpoint, type UpdateOutcome } from '@paddock/shared';
import type { SettingsStore } from '../settings/settingsStore.js';
import type { Db } from '../store/database.js';
import type { ServiceHost } from './serviceHost.js';
import type { Caller, UserspaceJournal } from './userspaceJournal.js';
import type { UserspaceFiles } from './userspaceFiles.js';
import type { UserspaceRow, UserspaceStore } from './userspaceStore.js';

/** What an update under way must put back if its new version fails (kept in `gate_json`). */
interface OpenGate {
  from: number;
  to: number;
  source_json: string;
  provenance: UserspaceRow['provenance'];
}

/** Who a gate reopened at start acts as: the daemon itself. */
const DAEMON: Caller = { owner: '', admin: true, actor: { owner: null, keyId: null } };

/**
 * A service app's new version must prove itself: it boots in the app's sandbox and its web
 * process must be healthy within `userspace_health_seconds`, or the old code and the data
 * copied before the update go back. The gate is recorded on the row while it is open, so a
 * daemon that stops in the middle closes it at the next start by going back too.
 */
export class HealthGate {
  constructor(
    private readonly o: {
      store: UserspaceStore;
      files: UserspaceFiles;
      host: ServiceHost;
      settings: SettingsStore;
      journal: UserspaceJournal;
    },
  ) {}

  /** Records the gate as open on the row that now names `to` (before anything boots). */
  open(row: UserspaceRow, from: number, to: number): OpenGate & { json: string } {
    const gate: OpenGate = { from, to, source_json: row.source_json, provenance: row.provenance };
    return { ...gate, json: JSON.stringify(gate) };
  }

  /** Boots `version` and waits for its health; the reason when it is not healthy. */
  async check(
    row: UserspaceRow,
    version: number,
  ): Promise<{ sandboxId: string; reason: string | null }> {
    const sandboxId = await this.o.host.deploy(row, version);
    failpoint('userspace.gating');
    const seconds = this.o.settings.get().userspace_health_seconds;
    const health = await this.o.host.waitHealthy(row.owner_id, sandboxId, seconds);
    return { sandboxId, reason: health.healthy ? null : health.reason };
  }

  /** The update passed: the gate closes. */
  async pass(row: UserspaceRow, outcome: UpdateOutcome): Promise<UserspaceRow> {
    return this.o.store.update(row.id, {
      gate_json: null,
      last_update_json: JSON.stringify(outcome),
    });
  }

  /** The update failed: the old version's code and the data as they were, the new one gone. */
  async fail(caller: Caller, row: UserspaceRow, reason: string): Promise<UserspaceRow> {
    const gate = JSON.parse(row.gate_json!) as OpenGate;
    const { from, to } = gate;
    this.o.files.code.settle(row.id, from);
    const outcome: UpdateOutcome = {
      from_version: from,
      to_version: to,
      outcome: 'rolled_back',
      reason,
      at: new Date().toISOString(),
    };
    let next = row;
    // Recorded with the data put back, before the old version boots (ServiceHost.deploy).
    const record = async (tx: Db) => {
      const patch = {
        version: from,
        source_json: gate.source_json,
        provenance: gate.provenance,
        gate_json: null,
        last_update_json: JSON.stringify(outcome),
      };
      next = await this.o.store.update(row.id, patch, tx);
    };
    await this.o.host.deploy(row, from, { restoreDataOf: to, record });
    this.o.files.code.discard(row.id, to);
    const keep = this.o.files.keptVersions(row.id);
    await this.o.store.keepVersions(row.id, keep);
    this.o.files.pruneVersions(row.id, keep);
    await this.o.journal.tell(
      caller,
      next,
      'rolled_back',
      `version ${to} failed its health check; back at ${from}`,
      { from, to, reason },
      'warn',
    );
    return next;
  }

  /** At start: every gate a stopped daemon left open fails (the new version never proved itself). */
  async closeInterrupted(): Promise<number> {
    const open = (await this.o.store.list(false)).filter((r) => r.gate_json !== null);
    for (const row of open) {
      await this.fail(DAEMON, row, 'the daemon stopped before the health check ended');
    }
    return open.length;
  }
}
