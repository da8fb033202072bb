import type { PackageEntry } from './walk.js';
import { refuse } from './refusal.js';

/** The package read now holds exactly what was listed (it may have changed on disk since). */
export function sameContent(listed: readonly PackageEntry[], now: readonly PackageEntry[]): void {
  const same =
    listed.length === now.length &&
    listed.every((e, i) => {
      const n = now[i]!;
      return n.path === e.path && n.type === e.type && n.size === e.size && n.sha256 === e.sha256;
    });
  if (!same) throw refuse('package_invalid', 'the package changed since it was inspected');
}
