import { Type, type Static } from 'typebox';
import { Timestamp, strict } from './common.js';

/**
 * The model API the broker calls for apps (`app.llm`): set by an admin, its key sealed at rest
 * and never returned, logged or handed to an app.
 */
export const MODEL_PROVIDERS = ['anthropic'] as const;

export const ModelAccessBody = Type.Object(
  {
    provider: Type.Enum([...MODEL_PROVIDERS]),
    model: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._:/-]+$' }),
    api_key: Type.String({
      minLength: 8,
      maxLength: 512,
      pattern: '^[\\x21-\\x7e]+$',
      description: 'Write-only: sealed with the master key, never returned',
    }),
    base_url: Type.Optional(
      Type.String({
        maxLength: 300,
        pattern: '^https://(?![0-9.]+(:|/|$))[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$',
        description: "The API's origin, named by host (default the provider's own)",
      }),
    ),
  },
  { ...strict, $id: 'ModelAccessBody' },
);
export type ModelAccessBody = Static<typeof ModelAccessBody>;

export const ModelAccessView = Type.Object(
  {
    configured: Type.Boolean(),
    provider: Type.Union([Type.Enum([...MODEL_PROVIDERS]), Type.Null()]),
    model: Type.Union([Type.String(), Type.Null()]),
    base_url: Type.Union([Type.String(), Type.Null()]),
    updated_at: Type.Union([Timestamp, Type.Null()]),
  },
  { $id: 'ModelAccess' },
);
export type ModelAccessView = Static<typeof ModelAccessView>;
