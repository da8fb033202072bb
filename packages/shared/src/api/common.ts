import { Type, type Static } from 'typebox';
import { ERROR_CODES } from '../errors.js';
import { strict } from '../strictObject.js';

// Declared outside api/ because the agent protocol's schemas (agent/) use them too.
export { strict };
export { EnvMap, EnvName } from '../envMap.js';

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

export type Metadata = Static<typeof Metadata>;
