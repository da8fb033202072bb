import type { ProvenanceTier } from '@paddock/shared';
import { networkOrigins, provenanceBadgeText } from '../lib/capabilities.js';

/**
 * Where the app came from and what it can reach. "Network: none" is true because the app's CSP
 * connect-src is built from the same network: grants shown here.
 */
export function ProvenanceBadge({
  tier,
  granted,
}: {
  tier: ProvenanceTier;
  granted: readonly string[];
}) {
  const open = networkOrigins(granted).length > 0;
  return (
    <span
      className={`provenance-badge provenance-${tier}${open ? ' provenance-networked' : ''}`}
      data-testid="provenance-badge"
      data-tier={tier}
    >
      {provenanceBadgeText(tier, granted)}
    </span>
  );
}
