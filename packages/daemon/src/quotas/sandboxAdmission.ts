import { KeyedQueue, type SandboxLimits } from '@paddock/shared';
import type { OwnerQuotas } from './ownerQuotas.js';
import type { QuotaStore, SandboxUsage } from './quotaStore.js';

/** What a sandbox about to be created or started asks of its owner's quotas. */
export interface AdmissionAsk {
  limits: SandboxLimits;
  /** A start: the sandbox exists, and is counted by this ask rather than by its row. */
  sandboxId?: string;
}

/** Held from admission until the sandbox's row shows it running (or the attempt failed). */
export interface Admitted {
  release(): void;
}

interface Reservation {
  sandboxId: string | undefined;
  ask: SandboxUsage;
}

/**
 * Admission of sandbox creates and starts against their owner's quotas. Checks of one owner
 * run one at a time (a keyed queue), and an admitted sandbox is counted by a reservation until
 * its row says it runs: two creates at once cannot both take the last room. The slow part (the
 * driver's boot) runs outside the queue.
 */
export class SandboxAdmission {
  private readonly queue = new KeyedQueue();
  private readonly pending = new Map<string, Set<Reservation>>();

  constructor(
    private readonly quotas: OwnerQuotas,
    private readonly store: QuotaStore,
  ) {}

  /** Refuses with limit_exceeded past a quota; otherwise reserves the room until released. */
  admit(owner: string, ask: AdmissionAsk): Promise<Admitted> {
    return this.queue.run(owner, async () => {
      const held = this.pending.get(owner) ?? new Set<Reservation>();
      const except = [...held].flatMap((r) => (r.sandboxId ? [r.sandboxId] : []));
      if (ask.sandboxId) except.push(ask.sandboxId);
      const used = await this.store.sandboxUsage(owner, except);
      for (const r of held) {
        for (const key of KEYS) used[key] += r.ask[key];
      }
      const wanted: SandboxUsage = {
        sandboxes_running: 1,
        memory_mb: ask.limits.memory_mb,
        cpus: ask.limits.cpus,
        disk_mb: ask.limits.disk_mb,
      };
      for (const key of KEYS) this.quotas.check(owner, key, wanted[key], used[key]);
      const reservation: Reservation = { sandboxId: ask.sandboxId, ask: wanted };
      held.add(reservation);
      this.pending.set(owner, held);
      return {
        release: () => {
          held.delete(reservation);
          if (held.size === 0 && this.pending.get(owner) === held) this.pending.delete(owner);
        },
      };
    });
  }
}

const KEYS = ['sandboxes_running', 'memory_mb', 'cpus', 'disk_mb'] as const;
