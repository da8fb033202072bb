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
