import { Type, type Static } from 'typebox';
import { Timestamp, strict } from './common.js';

export const OwnerName = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' });

/**
 * `agent`: an agent's identity (an MCP server, a coding agent's key). It acts like `user` for
 * its owner, but what it changes in an app's files is recorded: the app is then `ai-generated`.
 */
export const OwnerRole = Type.Enum(['admin', 'user', 'agent']);
export type OwnerRole = Static<typeof OwnerRole>;

export const CreateApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    /** Admins may mint a key for another owner (creating it); others get keys for themselves. */
    owner: Type.Optional(OwnerName),
    role: Type.Optional(OwnerRole),
  },
  strict,
);
export type CreateApiKeyBody = Static<typeof CreateApiKeyBody>;

export const ApiKeySchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    owner: Type.String(),
    role: OwnerRole,
    /** The first characters, enough to recognise a key in a list. */
    prefix: Type.String(),
    created_at: Timestamp,
    last_used_at: Type.Union([Timestamp, Type.Null()]),
  },
  { $id: 'ApiKey' },
);

/** Only the create response carries the token, once. */
export const CreatedApiKey = Type.Object({ key: ApiKeySchema, token: Type.String() });
export const ApiKeyList = Type.Object({ items: Type.Array(ApiKeySchema) });
export const ApiKeyParams = Type.Object({ id: Type.String({ maxLength: 64 }) }, strict);

/** POST /v1/session: a token exchanged for an HttpOnly session cookie (the console's sign-in). */
export const CreateSessionBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 512 }) },
  strict,
);
export const SessionSchema = Type.Object(
  {
    owner: Type.String(),
    admin: Type.Boolean(),
    /** The role of the token's key (`admin` for the admin token): an MCP client checks `agent`. */
    role: OwnerRole,
    /** When the console session ends; null when the call was made with a bearer token. */
    expires_at: Type.Union([Timestamp, Type.Null()]),
  },
  { $id: 'Session' },
);
export type Session = Static<typeof SessionSchema>;
