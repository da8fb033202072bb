import {
  PaddockError,
  QUOTA_KEYS,
  QUOTA_SETTINGS,
  QUOTA_UNITS,
  type OwnerQuotas as OwnerQuotasView,
  type PatchOwnerQuotasBody,
  type QuotaKey,
  type QuotaSource,
} from '@paddock/shared';
import type { SettingsStore } from '../settings/settingsStore.js';
import type { QuotaStore } from './quotaStore.js';

/** How a refusal names each quota. */
const LABELS: Record<QuotaKey, string> = {
  sandboxes_running: 'running sandboxes',
  memory_mb: 'memory',
  cpus: 'CPU',
  disk_mb: 'disk',
  snapshot_storage_mb: 'snapshot storage',
  filestore_mb: 'filestore storage',
};

/** CPU limits are fractions: sums of them are compared with this much slack. */
const EPSILON = 1e-9;

/**
 * Each owner's limits: the default settings, or the admin's overrides (kept in memory, so a
 * lookup is synchronous and cheap). Other modules ask `limitFor` and `check`: the sandbox
 * admission, snapshot storage, and filestores (`check(owner, 'filestore_mb', askedMb, usedMb)`).
 */
export class OwnerQuotas {
  private readonly overrides = new Map<string, Partial<Record<QuotaKey, number>>>();
  private readonly meters = new Map<QuotaKey, (owner: string) => Promise<number>>();

  constructor(
    private readonly store: QuotaStore,
    private readonly settings: SettingsStore,
  ) {}

  async load(): Promise<void> {
    for (const owner of await this.store.owners()) {
      const o = await this.store.overrides(owner);
      if (Object.keys(o).length > 0) this.overrides.set(owner, o);
    }
  }

  /** The limit in force for `owner` in the quota's unit (MiB, cores, sandboxes); 0: none. */
  limitFor(owner: string, key: QuotaKey): number {
    return this.sourced(owner, key).limit;
  }

  private sourced(owner: string, key: QuotaKey): { limit: number; source: QuotaSource } {
    const override = this.overrides.get(owner)?.[key];
    if (override !== undefined) return { limit: override, source: 'override' };
    return { limit: this.settings.get()[QUOTA_SETTINGS[key]], source: 'default' };
  }

  /**
   * Refuses (400 limit_exceeded) when `requested` more on top of `used` would pass the owner's
   * limit; amounts in the quota's unit. Returns quietly when it fits or there is no limit.
   */
  check(owner: string, key: QuotaKey, requested: number, used: number): void {
    const limit = this.limitFor(owner, key);
    if (limit <= 0 || used + requested <= limit + EPSILON) return;
    const unit = QUOTA_UNITS[key] ? ` ${QUOTA_UNITS[key]}` : '';
    const n = (v: number) => String(Math.round(v * 100) / 100);
    throw new PaddockError(
      'limit_exceeded',
      `${LABELS[key]}: asked ${n(requested)}${unit}, ${n(used)} of ${n(limit)}${unit} in use by this owner (quota ${key})`,
      { quota: key, requested, used, limit },
    );
  }

  /**
   * How much of `key` an owner uses, told by the module that holds it (filestores: MiB), so
   * the admin view shows it. Admission of that resource stays with the module (`check`).
   */
  meter(key: QuotaKey, used: (owner: string) => Promise<number>): void {
    this.meters.set(key, used);
  }

  async patch(owner: string, body: PatchOwnerQuotasBody): Promise<void> {
    await this.store.patch(owner, body);
    this.overrides.set(owner, await this.store.overrides(owner));
  }

  async clear(owner: string): Promise<void> {
    await this.store.clear(owner);
    this.overrides.delete(owner);
  }

  /** The limits in force with their source, and what the owner uses now. */
  async view(owner: string): Promise<OwnerQuotasView> {
    const sandboxes = await this.store.sandboxUsage(owner);
    const used: Record<QuotaKey, number> = {
      ...sandboxes,
      snapshot_storage_mb: await this.store.snapshotMb(owner),
      filestore_mb: (await this.meters.get('filestore_mb')?.(owner)) ?? 0,
    };
    const quotas = Object.fromEntries(
      QUOTA_KEYS.map((key) => [key, { ...this.sourced(owner, key), used: used[key] }]),
    ) as OwnerQuotasView['quotas'];
    return { owner, quotas };
  }

  async list(): Promise<OwnerQuotasView[]> {
    return Promise.all((await this.store.owners()).map((owner) => this.view(owner)));
  }
}
