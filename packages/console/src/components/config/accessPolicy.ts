import type { AccessPolicy } from '@paddock/shared';

/** Every access policy, in the order a select offers them. */
export const ACCESS_POLICIES: readonly AccessPolicy[] = [
  'runtime_access',
  'agent_access',
  'both',
  'control_plane_only',
];

/** What each policy means, in a person's words. */
export const ACCESS_POLICY_LABELS: Record<AccessPolicy, string> = {
  runtime_access: "The app's processes",
  agent_access: 'Agent tasks',
  both: "The app's processes and agent tasks",
  control_plane_only: 'Nobody (stays in the daemon)',
};

/** The daemon's default: a secret stays in the daemon unless said otherwise. */
export function defaultPolicy(sensitive: boolean): AccessPolicy {
  return sensitive ? 'control_plane_only' : 'runtime_access';
}

export function isAccessPolicy(value: string): value is AccessPolicy {
  return (ACCESS_POLICIES as readonly string[]).includes(value);
}
