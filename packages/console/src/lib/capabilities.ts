// What capabilities and provenance mean, in words a person can consent to. No React here.
import type { ProvenanceTier } from '@paddock/shared';

const DESCRIPTIONS: Record<string, string> = {
  'app.kv': 'Keep small values (settings, state) in its own key-value store',
  'app.table': 'Keep records in its own tables',
  'app.files': 'Keep files in its own file store',
  'app.notify': 'Show you notifications in the desktop',
  'app.agent': 'Start tasks in your build apps and read their results',
  'app.llm': 'Call a language model with the instance’s model key (the app never sees the key)',
};

export function describeCapability(capability: string): string {
  if (capability.startsWith('network:')) {
    return `Connect to ${capability.slice('network:'.length)} (and send it what it likes)`;
  }
  return DESCRIPTIONS[capability] ?? 'A capability Paddock does not describe';
}

const TIER_LABELS: Record<ProvenanceTier, string> = {
  'first-party': 'First-party',
  'ai-generated': 'AI-generated',
  'user-uploaded': 'User-uploaded',
  unknown: 'Unknown origin',
};

export function tierLabel(tier: ProvenanceTier): string {
  return TIER_LABELS[tier] ?? tier;
}

/**
 * The origins a web app may reach: its `network:` grants, which are exactly its CSP's
 * connect-src (the app-origin server builds the policy from the same grants).
 */
export function networkOrigins(granted: readonly string[]): string[] {
  return granted.filter((c) => c.startsWith('network:')).map((c) => c.slice('network:'.length));
}

/** "AI-generated · Network: none", or the origins it may connect to. */
export function provenanceBadgeText(tier: ProvenanceTier, granted: readonly string[]): string {
  const origins = networkOrigins(granted);
  return `${tierLabel(tier)} · Network: ${origins.length === 0 ? 'none' : origins.join(', ')}`;
}

/** Whether an app holds a capability now (by its tier's ceiling or a grant), per the permissions view. */
export function heldNow(
  perms: { ceiling: readonly string[]; granted: readonly string[]; forbidden: readonly string[] },
  capability: string,
): boolean {
  if (perms.forbidden.includes(capability)) return false;
  return perms.ceiling.includes(capability) || perms.granted.includes(capability);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
