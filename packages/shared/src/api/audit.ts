import { Type, type Static } from 'typebox';
import { Timestamp, strict } from './common.js';

export const AuditOutcome = Type.Union([
  Type.Literal('ok'),
  Type.Literal('denied'),
  Type.Literal('failed'),
]);
export type AuditOutcome = Static<typeof AuditOutcome>;

export const AuditEntrySchema = Type.Object(
  {
    id: Type.String(),
    at: Timestamp,
    actor: Type.Object({
      owner: Type.Union([Type.String(), Type.Null()]),
      key_id: Type.Union([Type.String(), Type.Null()], {
        description: 'The API key (or admin-token) used; null when none was valid',
      }),
      ip: Type.Union([Type.String(), Type.Null()]),
    }),
    action: Type.String({ description: 'e.g. auth.failed, config.set, exec, snapshot.restore' }),
    target: Type.Union([Type.Object({ type: Type.String(), id: Type.String() }), Type.Null()]),
    outcome: AuditOutcome,
    /** Names, counts, hashes and codes only: never values, bodies or output. */
    details: Type.Record(Type.String(), Type.Unknown()),
  },
  { $id: 'AuditEntry' },
);
export type AuditEntry = Static<typeof AuditEntrySchema>;

export const AuditPage = Type.Object({
  items: Type.Array(AuditEntrySchema),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});

export const AuditQuery = Type.Object(
  {
    action: Type.Optional(
      Type.String({ maxLength: 64, description: 'Exact, or a prefix ending in .*' }),
    ),
    owner: Type.Optional(Type.String({ maxLength: 128 })),
    outcome: Type.Optional(AuditOutcome),
    since: Type.Optional(Timestamp),
    until: Type.Optional(Timestamp),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ maxLength: 64 })),
  },
  strict,
);
export type AuditQuery = Static<typeof AuditQuery>;
