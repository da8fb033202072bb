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
 * stopped or booting), means the preset's, like an absent `build`. An app without a preset is
 * granted the package registries instead (PROJECT_REGISTRIES).
 */
export class EgressBaseline {
  constructor(private readonly manifestOf: ManifestOf) {}

  /** `owner.app`: an app's (not a standalone sandbox's), which without a preset is an import. */
  hosts(sandboxId: string | null, owner: { preset: string | null; app: boolean }): string[] {
    const granted: readonly string[] =
      owner.preset !== null
        ? (getPreset(owner.preset)?.manifest.egress?.allow ?? [])
        : owner.app
          ? PROJECT_REGISTRIES
          : [];
    const current = sandboxId === null ? null : this.manifestOf(sandboxId);
    if (!current?.egress) return [...granted];
    return current.egress.allow.filter((host) => granted.includes(host));
  }
}

/**
 * What an app without a preset (an imported project, ADR 0029) is granted as a preset grants
 * its registry: the package registries its lockfile may name, each as far as its manifest keeps
 * it. Standalone sandboxes get none.
 */
export const PROJECT_REGISTRIES: readonly string[] = [
  'registry.npmjs.org',
  // Where Yarn classic's lockfiles resolve packages.
  'registry.yarnpkg.com',
  'pypi.org',
  'files.pythonhosted.org',
];

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
