import { Type, type Static } from 'typebox';
import { ERROR_CODES } from '../errors.js';

/** Every object schema refuses unknown fields; a typo is a 400, never silently ignored. */
export const strict = { additionalProperties: false } as const;

export const ErrorBodySchema = Type.Object(
  {
    error: Type.Object({
      code: Type.Enum(Object.keys(ERROR_CODES)),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'Error' },
);

export const SandboxId = Type.String({ pattern: '^sb[0-9a-z]{26}$', description: 'A sandbox id' });
export const Timestamp = Type.String({ format: 'date-time' });

export const CursorPageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 128 })),
  },
  strict,
);

/** Metadata is a flat map of short strings, filterable with `metadata.key=value`. */
export const Metadata = Type.Record(Type.String(), Type.String({ maxLength: 256 }), {
  maxProperties: 32,
  propertyNames: { pattern: '^[A-Za-z0-9_.-]{1,64}$' },
});

/** Environment variable names as POSIX shells accept them. */
const ENV_NAME = '^[A-Za-z_][A-Za-z0-9_]{0,127}$';
export const EnvName = Type.String({ pattern: ENV_NAME });
// propertyNames, not a pattern key: a pattern key only types matching keys and lets others by.
// A NUL byte cannot cross execve(2), so a value carrying one is refused here, not at every exec.
export const EnvMap = Type.Record(
  Type.String(),
  Type.String({ maxLength: 32768, pattern: '^[^\\u0000]*$' }),
  {
    maxProperties: 256,
    propertyNames: { pattern: ENV_NAME },
  },
);

export type Metadata = Static<typeof Metadata>;
