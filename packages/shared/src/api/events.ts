import { Type, type Static } from 'typebox';
import { Timestamp, strict } from './common.js';

export const Severity = Type.Enum(['debug', 'info', 'warn', 'error']);
export type Severity = Static<typeof Severity>;

export const EventSchema = Type.Object(
  {
    id: Type.String({ description: 'A monotonic ULID; later events sort after earlier ones' }),
    sandbox_id: Type.Union([Type.String(), Type.Null()]),
    type: Type.String(),
    severity: Severity,
    message: Type.String(),
    payload: Type.Record(Type.String(), Type.Unknown()),
    created_at: Timestamp,
  },
  { $id: 'Event' },
);
/** One entry of the event log (named so it does not shadow the DOM's Event). */
export type PaddockEvent = Static<typeof EventSchema>;

export const EventsQuery = Type.Object(
  {
    before: Type.Optional(Type.String({ pattern: '^[0-9A-HJKMNP-TV-Z]{26}$' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  strict,
);

export const EventPage = Type.Object({
  items: Type.Array(EventSchema),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});
export type EventPage = Static<typeof EventPage>;

export const AppEventsQuery = Type.Object(
  {
    cursor: Type.Optional(
      Type.String({
        pattern: '^[0-9A-HJKMNP-TV-Z]{26}$',
        description: "A page's `next_cursor` (an event id); a malformed one is a 400 bad_request",
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    type: Type.Optional(
      Type.String({
        maxLength: 64,
        pattern: '^[a-z0-9_.]+(\\.\\*)?$',
        description:
          'An event type, exact (`sandbox.stopped`) or a prefix ending in .* (`sandbox.*`)',
      }),
    ),
  },
  strict,
);
export type AppEventsQuery = Static<typeof AppEventsQuery>;
