import { getPreset } from '@paddock/presets';
import type { EgressPolicy, EgressRule, EgressRuleSource, RuntimeManifest } from '@paddock/shared';
import type { EgressSubject } from './egressPolicyStore.js';

/** The manifest a running sandbox's processes run from, as the runtime read it; null if unknown. */
export type ManifestOf = (sandboxId: string) => RuntimeManifest | null;

/**
 * A sandbox's egress baseline: the hosts its preset allows (its package registry), as far as
 * its current manifest keeps them. `sandbox.yaml` is a workspace file that code in the sandbox
 * can write, so it may narrow the baseline (`allow: []` opts out) but never widen it: a host the
 * preset does not list is ignored, and only the app's own rules, set through the API, add hosts.
 * Read again on every decision, so a changed `sandbox.yaml` applies as soon as the runtime
 * applies it; a manifest without `egress`, or one the daemon has not read (the sandbox is
 * stopped or booting), means the preset's, like an absent `build`.
 */
export class EgressBaseline {
  constructor(private readonly manifestOf: ManifestOf) {}

  hosts(sandboxId: string | null, preset: string | null): string[] {
    const granted = (preset === null ? undefined : getPreset(preset))?.manifest.egress?.allow ?? [];
    const current = sandboxId === null ? null : this.manifestOf(sandboxId);
    if (!current?.egress) return granted;
    return current.egress.allow.filter((host) => granted.includes(host));
  }
}

/** The rules the proxy holds a sandbox to: the baseline extended by the own lists (deny wins). */
export function withBaseline(
  own: { allow: string[]; deny: string[] },
  baseline: string[],
): { allow: string[]; deny: string[] } {
  if (baseline.length === 0) return own;
  return { allow: [...new Set([...baseline, ...own.allow])], deny: own.deny };
}

/** The policy as the API shows it: the own lists, and every rule in force with its source. */
export function describePolicy(
  subject: EgressSubject,
  own: Omit<EgressPolicy, 'rules'>,
  baseline: string[],
): EgressPolicy {
  const source: EgressRuleSource = subject.startsWith('app:') ? 'app' : 'sandbox';
  const rules: EgressRule[] = [
    ...baseline.map((host) => ({ host, action: 'allow' as const, source: 'manifest' as const })),
    ...own.allow.map((host) => ({ host, action: 'allow' as const, source })),
    ...own.deny.map((host) => ({ host, action: 'deny' as const, source })),
  ];
  return { ...own, rules };
}
