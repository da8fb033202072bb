import { Type, type Static } from 'typebox';

/**
 * What a userspace app may ask the core for, in one vocabulary. Each is a namespace: `app.kv`
 * covers `app.kv.get` and `app.kv.set`. `network:<origin>` names one https origin, exactly.
 */
export const APP_CAPABILITIES = [
  'app.kv',
  'app.table',
  'app.files',
  'app.notify',
  'app.agent',
  'app.llm',
] as const;
export type AppCapabilityName = (typeof APP_CAPABILITIES)[number];

/** `network:https://host[:port]`: lower-case host, no path, no userinfo. */
const NETWORK_CAPABILITY = /^network:https:\/\/[a-z0-9.-]+(:\d{1,5})?$/;

export const Capability = Type.String({
  pattern: `^(${APP_CAPABILITIES.map((c) => c.replace('.', '\\.')).join('|')}|network:https://[a-z0-9.-]+(:[0-9]{1,5})?)$`,
  maxLength: 300,
  description:
    'A capability: app.kv, app.table, app.files, app.notify, app.agent, app.llm, or network:https://<host>[:port]',
});
export type Capability = Static<typeof Capability>;

export function isCapability(value: string): value is Capability {
  return (APP_CAPABILITIES as readonly string[]).includes(value) || NETWORK_CAPABILITY.test(value);
}

/**
 * Whether holding `held` lets an app make the call `wanted` (a capability or a method under
 * one): `app.kv` covers `app.kv` and `app.kv.get`, never `app.kvx`; a network capability
 * covers its own origin only. The daemon, the console and the SDK all ask this one function.
 */
export function capabilityCovers(held: string, wanted: string): boolean {
  if (held.startsWith('network:') || wanted.startsWith('network:')) return held === wanted;
  return wanted === held || wanted.startsWith(`${held}.`);
}

/** Where an installed app came from; only a signature by a pinned key makes `first-party`. */
export const PROVENANCE_TIERS = [
  'first-party',
  'ai-generated',
  'user-uploaded',
  'unknown',
] as const;
export const ProvenanceTier = Type.Enum([...PROVENANCE_TIERS]);
export type ProvenanceTier = Static<typeof ProvenanceTier>;

/**
 * Each tier's ceiling: the capabilities an app of that tier holds without the user's explicit
 * grant. The one place a tier's rights come from; the broker reads it on every call. Anything
 * else needs a grant (and an admin may forbid capabilities per tier outright, a setting).
 */
export const TIER_CEILINGS: Readonly<Record<ProvenanceTier, readonly AppCapabilityName[]>> = {
  'first-party': ['app.kv', 'app.table', 'app.files', 'app.notify'],
  'ai-generated': ['app.kv', 'app.table', 'app.files'],
  'user-uploaded': ['app.kv', 'app.table', 'app.files'],
  unknown: [],
};

/** Whether a tier's ceiling alone lets an app make the call `wanted`. */
export function ceilingCovers(tier: ProvenanceTier, wanted: string): boolean {
  return TIER_CEILINGS[tier].some((held) => capabilityCovers(held, wanted));
}

/**
 * Whether an app holds `wanted` (a capability or a method under one) right now: its tier's
 * ceiling or the user's grant covers it, and the admin does not forbid it to the tier (that
 * wins over both). The broker asks this on every call.
 */
export function holds(
  tier: ProvenanceTier,
  granted: readonly string[],
  forbidden: readonly string[],
  wanted: string,
): boolean {
  if (forbidden.some((f) => capabilityCovers(f, wanted))) return false;
  return ceilingCovers(tier, wanted) || granted.some((g) => capabilityCovers(g, wanted));
}
