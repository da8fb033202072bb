import { Type, type Static } from 'typebox';
import { Capability, ProvenanceTier } from '../capabilities.js';
import { APP_PACKAGE_ID_PATTERN } from './appPackages.js';
import { Timestamp, strict } from './common.js';

export const UserspaceAppId = Type.String({
  pattern: APP_PACKAGE_ID_PATTERN,
  description: "A userspace app's id: its signing key's Ed25519 public key in base32",
});

/**
 * Where an app stands. `active`: installed and enabled; `disabled`: kept but not run or served;
 * `pending_consent`: a version (the first or an update) waits for the user to grant what it
 * asks beyond its tier's ceiling, and until then the app runs the version before it, if any;
 * `trashed`: uninstalled, its data kept until `purge_after`.
 */
export const USERSPACE_APP_STATUSES = ['active', 'disabled', 'pending_consent', 'trashed'] as const;
export const UserspaceAppStatus = Type.Enum([...USERSPACE_APP_STATUSES]);
export type UserspaceAppStatus = Static<typeof UserspaceAppStatus>;

/** How a package reached this install. */
export const PackageSource = Type.Object(
  {
    kind: Type.Enum(['upload', 'url', 'publish']),
    url: Type.Optional(Type.String()),
    /** Where the URL led after redirects, when that differs. */
    fetched_from: Type.Optional(Type.String()),
    /** Publish: the build app, the snapshot the package was made from, and the tasks that changed it. */
    build_app_id: Type.Optional(Type.String()),
    snapshot_id: Type.Optional(Type.String()),
    task_ids: Type.Optional(Type.Array(Type.String())),
  },
  { $id: 'PackageSource' },
);
export type PackageSource = Static<typeof PackageSource>;

/** The static scan of an installed package (stored with the install). */
export const PackageScan = Type.Object(
  {
    files: Type.Integer(),
    total_bytes: Type.Integer(),
    scripts: Type.Integer({ description: 'Files that run as code: .js .mjs .cjs .ts .sh .py' }),
    network_origins: Type.Array(Type.String(), {
      description: 'The https origins the package declares (its network: permissions)',
    }),
    by_kind: Type.Record(Type.String(), Type.Array(Type.String())),
  },
  { $id: 'PackageScan' },
);
export type PackageScan = Static<typeof PackageScan>;

/** A permission change between two versions: what the new one asks for that the grant lacks. */
export const PermissionDiff = Type.Object(
  {
    version: Type.Integer(),
    version_label: Type.String(),
    added: Type.Array(Capability, { description: 'Required by the new version, not granted now' }),
    removed: Type.Array(Capability, { description: 'Required now, no longer by the new version' }),
  },
  { $id: 'PermissionDiff' },
);
export type PermissionDiff = Static<typeof PermissionDiff>;

/** The last update's outcome: a health-gated update that failed says why it rolled back. */
export const UpdateOutcome = Type.Object(
  {
    from_version: Type.Union([Type.Integer(), Type.Null()]),
    to_version: Type.Integer(),
    outcome: Type.Enum(['installed', 'updated', 'pending_consent', 'rolled_back']),
    reason: Type.Union([Type.String(), Type.Null()]),
    at: Timestamp,
  },
  { $id: 'UpdateOutcome' },
);
export type UpdateOutcome = Static<typeof UpdateOutcome>;

export const UserspaceAppSchema = Type.Object(
  {
    id: UserspaceAppId,
    name: Type.String(),
    app_type: Type.Enum(['web', 'service']),
    description: Type.String(),
    version: Type.Integer({ description: 'The version in use' }),
    version_label: Type.String(),
    previous_version: Type.Union([Type.Integer(), Type.Null()], {
      description: 'What a rollback returns to (kept until the next update)',
    }),
    status: UserspaceAppStatus,
    provenance: ProvenanceTier,
    publisher_key: Type.String({ description: 'The Ed25519 public key that signs it (base64)' }),
    granted: Type.Array(Capability),
    pending: Type.Union([PermissionDiff, Type.Null()], {
      description: 'A version waiting for consent, and what it adds',
    }),
    source: PackageSource,
    scan: PackageScan,
    sandbox_id: Type.Union([Type.String(), Type.Null()], {
      description: "A service app's sandbox (its processes, logs and files)",
    }),
    last_update: Type.Union([UpdateOutcome, Type.Null()]),
    installed_at: Timestamp,
    updated_at: Timestamp,
    trashed_at: Type.Union([Timestamp, Type.Null()]),
    purge_after: Type.Union([Timestamp, Type.Null()], {
      description: 'A trashed app and its data are removed for good after this',
    }),
  },
  { $id: 'UserspaceApp' },
);
export type UserspaceApp = Static<typeof UserspaceAppSchema>;

export const UserspaceAppList = Type.Object({ items: Type.Array(UserspaceAppSchema) });
export type UserspaceAppList = Static<typeof UserspaceAppList>;

export const UserspaceAppParams = Type.Object({ id: UserspaceAppId }, strict);

export const ListUserspaceAppsQuery = Type.Object(
  {
    trashed: Type.Optional(Type.Boolean({ description: 'List the trash instead', default: false })),
  },
  strict,
);

/** Media types a package upload may carry (a raw body), besides multipart and JSON. */
export const PACKAGE_UPLOAD_TYPES = [
  'application/zip',
  'application/octet-stream',
  'application/vnd.paddock.app',
] as const;

export const InstallUserspaceAppQuery = Type.Object(
  {
    consent: Type.Optional(
      Type.Boolean({
        description:
          'Grant every permission the package requires, beyond the ceiling too (else such a version waits as pending_consent)',
      }),
    ),
  },
  strict,
);

/** The JSON form of an install: fetch the package from an https URL. */
export const InstallFromUrlBody = Type.Object(
  {
    source_url: Type.String({ maxLength: 2048, description: 'An https URL of a .paddockapp' }),
    consent: Type.Optional(Type.Boolean()),
  },
  { ...strict, $id: 'InstallFromUrl' },
);
export type InstallFromUrlBody = Static<typeof InstallFromUrlBody>;

export const InstallResult = Type.Object(
  {
    outcome: Type.Enum(['installed', 'updated', 'pending_consent', 'rolled_back']),
    app: UserspaceAppSchema,
  },
  { $id: 'InstallResult' },
);
export type InstallResult = Static<typeof InstallResult>;

export const UserspacePermissions = Type.Object(
  {
    provenance: ProvenanceTier,
    ceiling: Type.Array(Capability, { description: "The tier's: held without a grant" }),
    forbidden: Type.Array(Capability, { description: 'Refused to this tier by the admin' }),
    required: Type.Array(Capability),
    optional: Type.Array(Capability),
    granted: Type.Array(Capability),
    declined: Type.Array(Capability, {
      description: 'Optional permissions the user was asked for and declined (not asked again)',
    }),
    pending: Type.Union([PermissionDiff, Type.Null()]),
  },
  { $id: 'UserspacePermissions' },
);
export type UserspacePermissions = Static<typeof UserspacePermissions>;

export const ConsentBody = Type.Object(
  {
    version: Type.Optional(
      Type.Integer({ description: 'The pending version consented to (must match)' }),
    ),
    grant: Type.Optional(
      Type.Array(Capability, {
        maxItems: 64,
        description: 'Optional permissions to grant as well',
      }),
    ),
  },
  strict,
);
export type ConsentBody = Static<typeof ConsentBody>;

export const RevokeBody = Type.Object(
  { permissions: Type.Array(Capability, { minItems: 1, maxItems: 64 }) },
  strict,
);
export type RevokeBody = Static<typeof RevokeBody>;

/** Granting optional permissions the app asked for at first use, or declining them. */
export const PermissionAnswerBody = Type.Object(
  {
    grant: Type.Optional(Type.Array(Capability, { maxItems: 64 })),
    decline: Type.Optional(Type.Array(Capability, { maxItems: 64 })),
  },
  strict,
);
export type PermissionAnswerBody = Static<typeof PermissionAnswerBody>;

export const RollbackBody = Type.Object(
  {
    restore_data: Type.Optional(
      Type.Boolean({ description: 'Also restore the data snapshot taken before the update' }),
    ),
  },
  strict,
);
export type RollbackBody = Static<typeof RollbackBody>;

export const DeleteUserspaceAppQuery = Type.Object(
  {
    purge: Type.Optional(Type.Boolean({ description: 'Remove its data too, for good' })),
    confirm: Type.Optional(Type.Boolean({ description: 'Required with purge=true' })),
  },
  strict,
);

/** What a purge removes, as `confirmation_required` details and the purge's answer. */
export const PurgePlan = Type.Object(
  {
    paths: Type.Array(Type.String()),
    bytes: Type.Integer(),
    rows_bytes: Type.Optional(
      Type.Integer({ description: "Bytes of the app's kv and table rows in the store" }),
    ),
  },
  { $id: 'PurgePlan' },
);
export type PurgePlan = Static<typeof PurgePlan>;

export const UserspaceVersion = Type.Object(
  {
    version: Type.Integer(),
    version_label: Type.String(),
    state: Type.Enum(['current', 'previous', 'pending']),
    digest: Type.String({ description: 'SHA-256 of the canonical content (what was signed)' }),
    bytes: Type.Integer({ description: 'Size of the package file' }),
    release_notes: Type.Union([Type.String(), Type.Null()]),
    added_at: Timestamp,
  },
  { $id: 'UserspaceVersion' },
);
export type UserspaceVersion = Static<typeof UserspaceVersion>;
export const UserspaceVersionList = Type.Object({ items: Type.Array(UserspaceVersion) });

export const PinnedKey = Type.Object(
  {
    public_key: Type.String({ description: 'Ed25519 public key, base64 (32 bytes)' }),
    app_id: UserspaceAppId,
    note: Type.String(),
    pinned_at: Timestamp,
  },
  { $id: 'PinnedKey' },
);
export type PinnedKey = Static<typeof PinnedKey>;
export const PinnedKeyList = Type.Object({ items: Type.Array(PinnedKey) });

export const PinKeyBody = Type.Object(
  {
    public_key: Type.String({ minLength: 40, maxLength: 64 }),
    note: Type.Optional(Type.String({ maxLength: 200 })),
  },
  strict,
);
export type PinKeyBody = Static<typeof PinKeyBody>;

export const PinnedKeyParams = Type.Object({ app_id: UserspaceAppId }, strict);

export const PublishBody = Type.Object(
  {
    consent: Type.Optional(Type.Boolean({ description: 'Grant what the package requires' })),
  },
  strict,
);
export type PublishBody = Static<typeof PublishBody>;
