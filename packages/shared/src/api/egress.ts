import { Type, type Static } from 'typebox';
import { HostPattern } from './appConfig.js';
import { Timestamp, strict } from './common.js';

/**
 * Where an app's (or a standalone sandbox's) processes may connect, by host name. Nothing is
 * allowed by default; a deny entry wins over an allow entry.
 */
export const EgressPolicyBody = Type.Object(
  {
    allow: Type.Array(HostPattern, { maxItems: 256, uniqueItems: true }),
    deny: Type.Optional(Type.Array(HostPattern, { maxItems: 256, uniqueItems: true })),
  },
  strict,
);
export type EgressPolicyBody = Static<typeof EgressPolicyBody>;

/**
 * Where a rule in force comes from: the sandbox's manifest (`egress.allow` in `sandbox.yaml`, or
 * its preset's), or the app's or standalone sandbox's own lists (what PUT sets).
 */
export const EgressRuleSource = Type.Union([
  Type.Literal('manifest'),
  Type.Literal('app'),
  Type.Literal('sandbox'),
]);
export type EgressRuleSource = Static<typeof EgressRuleSource>;

export const EgressRuleSchema = Type.Object(
  {
    host: Type.String({ description: 'A host name, or *.domain for its subdomains' }),
    action: Type.Union([Type.Literal('allow'), Type.Literal('deny')]),
    source: EgressRuleSource,
  },
  { $id: 'EgressRule' },
);
export type EgressRule = Static<typeof EgressRuleSchema>;

export const EgressPolicySchema = Type.Object(
  {
    allow: Type.Array(Type.String(), { description: "The app's or sandbox's own allow list" }),
    deny: Type.Array(Type.String(), { description: "The app's or sandbox's own deny list" }),
    rules: Type.Array(EgressRuleSchema, {
      description:
        "Every rule in force, with its source: the manifest's baseline first, then the own " +
        'lists. A deny entry wins over any allow entry, whatever their sources.',
    }),
    updated_at: Type.Union([Timestamp, Type.Null()]),
  },
  { $id: 'EgressPolicy' },
);
export type EgressPolicy = Static<typeof EgressPolicySchema>;

/** How many refusals the live feed keeps per sandbox for a late follower (in memory). */
export const EGRESS_DENIALS_KEPT = 200;

/**
 * One refused connection or request, as it happened: every one, not a sample (the event log
 * records a flood by its first per minute; the audit has each). What a person reads to see what
 * to allow.
 */
export const EgressDenialSchema = Type.Object(
  {
    at: Timestamp,
    sandbox_id: Type.String(),
    host: Type.Union([Type.String(), Type.Null()], {
      description: 'The host asked for; null when the connection was refused before one was named',
    }),
    port: Type.Union([Type.Integer(), Type.Null()]),
    kind: Type.Union([Type.Literal('destination'), Type.Literal('connection_limit')], {
      description:
        '`destination`: the policy (or an address rule) refused the host; `connection_limit`: too many open connections',
    }),
    reason: Type.String(),
    rule: Type.Union([Type.String(), Type.Null()], {
      description: 'The deny entry that matched, when one did (else nothing allowed the host)',
    }),
  },
  { $id: 'EgressDenial' },
);
export type EgressDenial = Static<typeof EgressDenialSchema>;

export const EgressDenialList = Type.Object({
  items: Type.Array(EgressDenialSchema, {
    description: `The latest refusals, oldest first (at most ${EGRESS_DENIALS_KEPT}; kept in memory since the daemon started)`,
  }),
});
export type EgressDenialList = Static<typeof EgressDenialList>;
