import { capabilityCovers, type ProvenanceTier } from '@paddock/shared';
import type { SettingsStore } from '../settings/settingsStore.js';
import type { UserspaceStore } from './userspaceStore.js';
import { granted, tierOf } from './userspaceView.js';

/**
 * A service app's way out: each `network:https://host[:port]` its user granted becomes an
 * egress allow entry `host:port` of its sandbox (443 when the origin names none), minus what
 * the admin forbids to its tier. Nothing else: its owner cannot widen it by hand. Asked on every
 * connection the sandbox opens, so a revoke holds for the next one.
 */
export class ServiceEgress {
  private cache = new Map<
    string,
    { writes: number; grants: string[] | null; tier: ProvenanceTier }
  >();

  constructor(private readonly o: { store: UserspaceStore; settings: SettingsStore }) {}

  async rulesFor(sandboxId: string): Promise<{ allow: string[]; deny: string[] } | null> {
    const entry = await this.entry(sandboxId);
    if (entry.grants === null) return null;
    // As for a web app's CSP: an app with no provenance at all never gets a way out.
    if (entry.tier === 'unknown') return { allow: [], deny: [] };
    const forbidden = this.o.settings.get().userspace_forbidden_capabilities[entry.tier] ?? [];
    const allow = entry.grants
      .filter((g) => g.startsWith('network:') && !forbidden.some((f) => capabilityCovers(f, g)))
      .map(hostRule);
    return { allow, deny: [] };
  }

  private async entry(sandboxId: string) {
    const writes = this.o.store.writes;
    const hit = this.cache.get(sandboxId);
    if (hit && hit.writes === writes) return hit;
    const row = await this.o.store.bySandbox(sandboxId);
    const entry = row
      ? { writes, grants: granted(row), tier: tierOf(row, await this.o.store.isPinned(row.id)) }
      : { writes, grants: null, tier: 'unknown' as const };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(sandboxId, entry);
    return entry;
  }
}

/** `network:https://api.example.com:8443` → `api.example.com:8443`. */
export function hostRule(capability: string): string {
  const url = new URL(capability.slice('network:'.length));
  return `${url.hostname}:${url.port || '443'}`;
}
