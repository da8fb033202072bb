import { Type, type Static } from 'typebox';
import { Timestamp, strict } from './common.js';

/** An environment-variable-shaped name; reserved names are refused by the daemon. */
export const ConfigKey = Type.String({
  pattern: '^[A-Za-z_][A-Za-z0-9_]{0,127}$',
  description: 'A config key: letters, digits and underscores, not starting with a digit',
});

/** Where a value may go, as every client offers the choice. */
export const ACCESS_POLICIES = [
  'control_plane_only',
  'runtime_access',
  'agent_access',
  'both',
] as const;

/** Where a value may go. Sensitive values never enter a sandbox whatever the policy says. */
export const AccessPolicy = Type.Enum(ACCESS_POLICIES, {
  description:
    "control_plane_only: never leaves the daemon; runtime_access: the app's processes; agent_access: agent tasks; both",
});
export type AccessPolicy = Static<typeof AccessPolicy>;

/** A host name or `*.domain`, lower case: how egress and injection rules name hosts. */
export const HOST_PATTERN = '^(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$';
export const HostPattern = Type.String({
  pattern: HOST_PATTERN,
  maxLength: 253,
  description: 'A host name, or *.domain for its subdomains',
});

/** A format names the secret once: `{value}`, or `{basic:USER}` (base64 of `USER:secret`). */
const INJECT_FORMAT_PATTERN = '\\{value\\}|\\{basic:[^{}:\\s]{1,64}\\}';
const BASIC_PLACEHOLDER = /\{basic:([^{}:\s]{1,64})\}/g;

const basicCredentials = (user: string, secret: string): string =>
  btoa(String.fromCharCode(...new TextEncoder().encode(`${user}:${secret}`)));

/** The header value a format gives for a secret (the one place formats are expanded). */
export function injectionHeaderValue(format: string, secret: string): string {
  return format
    .replace(BASIC_PLACEHOLDER, (_m, user: string) => basicCredentials(user, secret))
    .split('{value}')
    .join(secret);
}

/**
 * The secret as a format encodes it besides the plain value: the base64 of each
 * `{basic:USER}`. What leaves the proxy inward masks these too (a server may quote them).
 */
export function injectionEncodedForms(format: string, secret: string): string[] {
  return [...format.matchAll(BASIC_PLACEHOLDER)].map((m) => basicCredentials(m[1] ?? '', secret));
}

/** How the egress proxy puts a sensitive value into requests (used by the egress proxy). */
export const InjectRule = Type.Object(
  {
    hosts: Type.Array(HostPattern, { minItems: 1, maxItems: 32 }),
    header: Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$' }),
    format: Type.String({
      minLength: 7,
      maxLength: 256,
      pattern: INJECT_FORMAT_PATTERN,
      description:
        'The header value, with {value} where the secret goes, e.g. "Bearer {value}"; or ' +
        '{basic:USER} for HTTP Basic auth, base64 of USER:secret, e.g. "Basic {basic:x-access-token}" (git over https)',
    }),
  },
  strict,
);
export type InjectRule = Static<typeof InjectRule>;

const ConfigValue = Type.String({ maxLength: 65536 });

export const ConfigEntrySchema = Type.Object(
  {
    key: Type.String(),
    sensitive: Type.Boolean(),
    /** The value, for non-sensitive entries only; sensitive values are write-only. */
    value: Type.Optional(Type.String()),
    value_set: Type.Boolean(),
    access_policy: AccessPolicy,
    inject: Type.Union([InjectRule, Type.Null()]),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'ConfigEntry' },
);
export type ConfigEntry = Static<typeof ConfigEntrySchema>;

export const ConfigList = Type.Object({ items: Type.Array(ConfigEntrySchema) });

export const CreateConfigBody = Type.Object(
  {
    key: ConfigKey,
    value: ConfigValue,
    sensitive: Type.Optional(Type.Boolean({ default: false })),
    access_policy: Type.Optional(AccessPolicy),
    inject: Type.Optional(InjectRule),
  },
  strict,
);
export type CreateConfigBody = Static<typeof CreateConfigBody>;

export const PatchConfigBody = Type.Object(
  {
    value: Type.Optional(ConfigValue),
    access_policy: Type.Optional(AccessPolicy),
    inject: Type.Optional(Type.Union([InjectRule, Type.Null()])),
  },
  { ...strict, minProperties: 1 },
);
export type PatchConfigBody = Static<typeof PatchConfigBody>;

export const ConfigKeyParams = Type.Object(
  { id: Type.String({ maxLength: 64 }), key: Type.String({ maxLength: 128 }) },
  strict,
);

export const SecretsStatusSchema = Type.Object({
  key_id: Type.String({ description: 'A fingerprint of the master key (not the key)' }),
  source: Type.Union([Type.Literal('env'), Type.Literal('file')]),
  sealed: Type.Integer({ description: 'Sensitive values stored' }),
  readable: Type.Integer({ description: 'Of those, how many the current key opens' }),
});
export type SecretsStatus = Static<typeof SecretsStatusSchema>;

export const RotateKeyBody = Type.Object(
  {
    new_key: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9+/_-]{43}=?$',
        description:
          'The new key (base64, 32 bytes). Required when the key comes from PADDOCK_SECRETS_KEY; generated into the key file otherwise',
      }),
    ),
  },
  strict,
);
export type RotateKeyBody = Static<typeof RotateKeyBody>;

export const RotatedKey = Type.Object({
  key_id: Type.String(),
  rotated: Type.Integer({ description: 'Sensitive values re-encrypted' }),
});
