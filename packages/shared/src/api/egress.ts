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

export const EgressPolicySchema = Type.Object(
  {
    allow: Type.Array(Type.String()),
    deny: Type.Array(Type.String()),
    updated_at: Type.Union([Timestamp, Type.Null()]),
  },
  { $id: 'EgressPolicy' },
);
export type EgressPolicy = Static<typeof EgressPolicySchema>;
