import {
  PaddockError,
  capabilityCovers,
  ceilingCovers,
  type AppPackageManifest,
  type Capability,
  type PermissionDiff,
  type ProvenanceTier,
} from '@paddock/shared';

/**
 * The rules between what a version asks for, what its tier holds without a grant, what the
 * admin forbids to the tier, and what the user granted. Pure: the daemon decides with these
 * and stores the outcome; the broker asks `holds` (in `@paddock/shared`) on every call.
 */

/** Refuses a package that requires a capability the admin forbids to its tier. */
export function assertNotForbidden(
  manifest: AppPackageManifest,
  tier: ProvenanceTier,
  forbidden: readonly string[],
): void {
  const refused = manifest.permissions.filter((p) => forbidden.some((f) => capabilityCovers(f, p)));
  if (refused.length > 0) {
    throw new PaddockError(
      'capability_forbidden',
      `the package requires ${refused.join(', ')}, which the admin forbids to ${tier} apps`,
      { capabilities: refused, tier },
    );
  }
}

/** What the app must be granted beyond its tier's ceiling to run `manifest` (required only). */
export function beyondCeiling(manifest: AppPackageManifest, tier: ProvenanceTier): Capability[] {
  return manifest.permissions.filter((p) => !ceilingCovers(tier, p));
}

/**
 * The diff an update shows the user: required capabilities of the new version neither held
 * by the tier nor granted, and required ones the new version drops.
 */
export function permissionDiff(
  next: AppPackageManifest,
  tier: ProvenanceTier,
  granted: readonly string[],
  currentRequired: readonly string[],
): PermissionDiff {
  return {
    version: next.version,
    version_label: next.version_label,
    added: beyondCeiling(next, tier).filter((p) => !granted.includes(p)),
    removed: currentRequired.filter(
      (p) => !next.permissions.includes(p as Capability),
    ) as Capability[],
  };
}

/** An update's version rules: strictly higher, and the installed one at least the minimum. */
export function assertUpgradable(installedVersion: number, next: AppPackageManifest): void {
  if (next.version <= installedVersion) {
    throw new PaddockError(
      'package_downgrade',
      `version ${next.version} is not above the installed version ${installedVersion}`,
      { installed: installedVersion, package: next.version },
    );
  }
  if (installedVersion < next.min_upgradable_version) {
    throw new PaddockError(
      'package_not_upgradable',
      `version ${next.version} updates only from version ${next.min_upgradable_version} or later; ${installedVersion} is installed`,
      { installed: installedVersion, min_upgradable_version: next.min_upgradable_version },
    );
  }
}
