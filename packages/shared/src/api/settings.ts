import { Type, type Static } from 'typebox';
import { Capability } from '../capabilities.js';
import { strict } from './common.js';

/**
 * Daemon settings an admin may change at run time: lifecycle and task-time knobs only. They are
 * persisted and applied without a restart; any other key is refused and nothing changes.
 */
export const SETTINGS_BOUNDS = {
  idle_stop_seconds: { minimum: 0, maximum: 7 * 24 * 3600 },
  keepalive_max_seconds: { minimum: 60, maximum: 7 * 24 * 3600 },
  task_timeout_default_seconds: { minimum: 1, maximum: 24 * 3600 },
  task_timeout_max_seconds: { minimum: 1, maximum: 24 * 3600 },
  audit_retention_days: { minimum: 1, maximum: 3650 },
  egress_connections_max: { minimum: 1, maximum: 4096 },
  snapshot_storage_mb: { minimum: 1, maximum: 10 * 1024 * 1024 },
  task_spend_limit_app_usd: { minimum: 0, maximum: 1_000_000 },
  task_spend_limit_owner_usd: { minimum: 0, maximum: 1_000_000 },
  userspace_trash_days: { minimum: 0, maximum: 3650 },
  userspace_health_seconds: { minimum: 1, maximum: 3600 },
  userspace_broker_calls_per_minute: { minimum: 1, maximum: 1_000_000 },
  userspace_data_quota_bytes: { minimum: 1024, maximum: 1024 ** 4 },
  quota_sandboxes_running: { minimum: 0, maximum: 100_000 },
  quota_memory_mb: { minimum: 0, maximum: 1024 ** 3 },
  quota_cpus: { minimum: 0, maximum: 100_000 },
  quota_disk_mb: { minimum: 0, maximum: 1024 ** 3 },
  quota_filestore_mb: { minimum: 0, maximum: 1024 ** 3 },
  rate_limit_token_per_minute: { minimum: 0, maximum: 1_000_000 },
  rate_limit_address_per_minute: { minimum: 0, maximum: 1_000_000 },
  rate_limit_sign_in_per_minute: { minimum: 1, maximum: 10_000 },
  rate_limit_sign_in_failures_per_hour: { minimum: 1, maximum: 100_000 },
  rate_limit_preview_sandbox_per_minute: { minimum: 0, maximum: 10_000_000 },
  rate_limit_preview_address_per_minute: { minimum: 0, maximum: 10_000_000 },
} as const;

const ForbiddenList = Type.Array(Capability, { maxItems: 64, uniqueItems: true });

/** Capabilities the admin refuses to a provenance tier outright, grant or not. */
export const ForbiddenCapabilities = Type.Object(
  {
    'first-party': Type.Optional(ForbiddenList),
    'ai-generated': Type.Optional(ForbiddenList),
    'user-uploaded': Type.Optional(ForbiddenList),
    unknown: Type.Optional(ForbiddenList),
  },
  strict,
);
export type ForbiddenCapabilities = Static<typeof ForbiddenCapabilities>;

export const SettingsSchema = Type.Object(
  {
    idle_stop_seconds: Type.Integer({
      ...SETTINGS_BOUNDS.idle_stop_seconds,
      description: 'Stop a running sandbox after this long without activity; 0 never stops',
    }),
    keepalive_max_seconds: Type.Integer({
      ...SETTINGS_BOUNDS.keepalive_max_seconds,
      description: 'The longest keepalive one call may ask for',
    }),
    task_timeout_default_seconds: Type.Integer({
      ...SETTINGS_BOUNDS.task_timeout_default_seconds,
      description: 'How long a task may run when it does not say',
    }),
    task_timeout_max_seconds: Type.Integer({
      ...SETTINGS_BOUNDS.task_timeout_max_seconds,
      description: 'The longest timeout a task may ask for',
    }),
    audit_retention_days: Type.Integer({
      ...SETTINGS_BOUNDS.audit_retention_days,
      description: 'Audit log entries older than this are removed',
    }),
    egress_connections_max: Type.Integer({
      ...SETTINGS_BOUNDS.egress_connections_max,
      description:
        'Connections one sandbox may hold open through the egress proxy at once; more are refused with 503',
    }),
    snapshot_storage_mb: Type.Integer({
      ...SETTINGS_BOUNDS.snapshot_storage_mb,
      description:
        "MiB of files one owner's snapshots may describe in all (before deduplication); a capture or import past it is refused with 409 snapshot_quota_exceeded",
    }),
    task_spend_limit_app_usd: Type.Number({
      ...SETTINGS_BOUNDS.task_spend_limit_app_usd,
      description:
        "US dollars of model spend one app's agent tasks may reach in a calendar month (UTC), as their CLIs report it; a task that would pass it is refused (409 spend_limit_reached) or stopped. 0: no limit",
    }),
    task_spend_limit_owner_usd: Type.Number({
      ...SETTINGS_BOUNDS.task_spend_limit_owner_usd,
      description: "The same for all of one owner's tasks together. 0: no limit",
    }),
    userspace_trash_days: Type.Integer({
      ...SETTINGS_BOUNDS.userspace_trash_days,
      description:
        'An uninstalled userspace app stays in the trash, with its data, this many days before it is purged',
    }),
    userspace_health_seconds: Type.Integer({
      ...SETTINGS_BOUNDS.userspace_health_seconds,
      description:
        "How long a service app's new version has to pass its health check before the update rolls back",
    }),
    userspace_broker_calls_per_minute: Type.Integer({
      ...SETTINGS_BOUNDS.userspace_broker_calls_per_minute,
      description:
        'Broker calls one userspace app may make per minute (a token bucket that holds a minute of calls); more are refused with 429 rate_limited',
    }),
    userspace_data_quota_bytes: Type.Integer({
      ...SETTINGS_BOUNDS.userspace_data_quota_bytes,
      description:
        "Bytes one userspace app's data may take in all (kv, tables and files together); a write past it is refused with 413 quota_exceeded and changes nothing",
    }),
    userspace_forbidden_capabilities: ForbiddenCapabilities,
    quota_sandboxes_running: Type.Integer({
      ...SETTINGS_BOUNDS.quota_sandboxes_running,
      description:
        'Sandboxes one owner may have running or starting at once, unless the owner has an override (/v1/owners/{owner}/quotas); a create or start past it is refused with 400 limit_exceeded. 0: no limit',
    }),
    quota_memory_mb: Type.Integer({
      ...SETTINGS_BOUNDS.quota_memory_mb,
      description:
        "MiB of memory one owner's running or starting sandboxes may reserve in all (the sum of their memory limits). 0: no limit",
    }),
    quota_cpus: Type.Number({
      ...SETTINGS_BOUNDS.quota_cpus,
      description:
        "CPU cores one owner's running or starting sandboxes may reserve in all (the sum of their cpu limits). 0: no limit",
    }),
    quota_disk_mb: Type.Integer({
      ...SETTINGS_BOUNDS.quota_disk_mb,
      description:
        "MiB of workspace disk one owner's sandboxes may reserve in all (the sum of their disk limits, stopped ones included: their workspaces exist). 0: no limit",
    }),
    quota_filestore_mb: Type.Integer({
      ...SETTINGS_BOUNDS.quota_filestore_mb,
      description: "MiB one owner's filestores may hold in all. 0: no limit",
    }),
    rate_limit_token_per_minute: Type.Integer({
      ...SETTINGS_BOUNDS.rate_limit_token_per_minute,
      description:
        'API requests one API key, console session or sandbox token may make per minute (the admin token is exempt); more are refused with 429 rate_limited and Retry-After. 0: no limit',
    }),
    rate_limit_address_per_minute: Type.Integer({
      ...SETTINGS_BOUNDS.rate_limit_address_per_minute,
      description:
        'API requests without a credential one source address may make per minute; more are refused with 429 rate_limited. 0: no limit',
    }),
    rate_limit_sign_in_per_minute: Type.Integer({
      ...SETTINGS_BOUNDS.rate_limit_sign_in_per_minute,
      description: 'Console sign-in attempts one source address may make per minute',
    }),
    rate_limit_sign_in_failures_per_hour: Type.Integer({
      ...SETTINGS_BOUNDS.rate_limit_sign_in_failures_per_hour,
      description:
        'Failed sign-ins one source address may make per hour (a bucket refilled over the hour); past it every sign-in from there is refused with 429 until it refills',
    }),
    rate_limit_preview_sandbox_per_minute: Type.Integer({
      ...SETTINGS_BOUNDS.rate_limit_preview_sandbox_per_minute,
      description:
        "Preview requests (and WebSocket upgrades) one sandbox's previews may take per minute, from everyone together; more are answered 429 with Retry-After. 0: no limit",
    }),
    rate_limit_preview_address_per_minute: Type.Integer({
      ...SETTINGS_BOUNDS.rate_limit_preview_address_per_minute,
      description:
        'Preview requests one source address may make per minute, to all previews together. 0: no limit',
    }),
  },
  { $id: 'Settings' },
);
export type Settings = Static<typeof SettingsSchema>;

/** Where a setting's value comes from: the built-in default, or a PATCH stored in the database. */
export const SettingSource = Type.Union([Type.Literal('default'), Type.Literal('stored')]);
export type SettingSource = Static<typeof SettingSource>;

/** The settings in force, each with where its value comes from (GET and PATCH answers). */
export const SettingsViewSchema = Type.Object(
  {
    ...SettingsSchema.properties,
    sources: Type.Record(Type.String(), SettingSource, {
      description: 'Per setting: `default` (built in) or `stored` (set through PATCH, persisted)',
    }),
  },
  { $id: 'SettingsView' },
);
export type SettingsView = Static<typeof SettingsViewSchema>;

export const DEFAULT_SETTINGS: Settings = {
  idle_stop_seconds: 900,
  keepalive_max_seconds: 3600,
  task_timeout_default_seconds: 1800,
  task_timeout_max_seconds: 7200,
  audit_retention_days: 90,
  egress_connections_max: 256,
  snapshot_storage_mb: 10 * 1024,
  task_spend_limit_app_usd: 0,
  task_spend_limit_owner_usd: 0,
  userspace_trash_days: 30,
  userspace_health_seconds: 60,
  userspace_broker_calls_per_minute: 1200,
  userspace_data_quota_bytes: 100 * 1024 * 1024,
  userspace_forbidden_capabilities: {},
  quota_sandboxes_running: 0,
  quota_memory_mb: 0,
  quota_cpus: 0,
  quota_disk_mb: 0,
  quota_filestore_mb: 0,
  rate_limit_token_per_minute: 6000,
  rate_limit_address_per_minute: 600,
  rate_limit_sign_in_per_minute: 10,
  rate_limit_sign_in_failures_per_hour: 30,
  rate_limit_preview_sandbox_per_minute: 30_000,
  rate_limit_preview_address_per_minute: 12_000,
};

export const PatchSettingsBody = Type.Partial(
  Type.Object({
    idle_stop_seconds: SettingsSchema.properties.idle_stop_seconds,
    keepalive_max_seconds: SettingsSchema.properties.keepalive_max_seconds,
    task_timeout_default_seconds: SettingsSchema.properties.task_timeout_default_seconds,
    task_timeout_max_seconds: SettingsSchema.properties.task_timeout_max_seconds,
    audit_retention_days: SettingsSchema.properties.audit_retention_days,
    egress_connections_max: SettingsSchema.properties.egress_connections_max,
    snapshot_storage_mb: SettingsSchema.properties.snapshot_storage_mb,
    task_spend_limit_app_usd: SettingsSchema.properties.task_spend_limit_app_usd,
    task_spend_limit_owner_usd: SettingsSchema.properties.task_spend_limit_owner_usd,
    userspace_trash_days: SettingsSchema.properties.userspace_trash_days,
    userspace_health_seconds: SettingsSchema.properties.userspace_health_seconds,
    userspace_broker_calls_per_minute: SettingsSchema.properties.userspace_broker_calls_per_minute,
    userspace_data_quota_bytes: SettingsSchema.properties.userspace_data_quota_bytes,
    userspace_forbidden_capabilities: SettingsSchema.properties.userspace_forbidden_capabilities,
    quota_sandboxes_running: SettingsSchema.properties.quota_sandboxes_running,
    quota_memory_mb: SettingsSchema.properties.quota_memory_mb,
    quota_cpus: SettingsSchema.properties.quota_cpus,
    quota_disk_mb: SettingsSchema.properties.quota_disk_mb,
    quota_filestore_mb: SettingsSchema.properties.quota_filestore_mb,
    rate_limit_token_per_minute: SettingsSchema.properties.rate_limit_token_per_minute,
    rate_limit_address_per_minute: SettingsSchema.properties.rate_limit_address_per_minute,
    rate_limit_sign_in_per_minute: SettingsSchema.properties.rate_limit_sign_in_per_minute,
    rate_limit_sign_in_failures_per_hour:
      SettingsSchema.properties.rate_limit_sign_in_failures_per_hour,
    rate_limit_preview_sandbox_per_minute:
      SettingsSchema.properties.rate_limit_preview_sandbox_per_minute,
    rate_limit_preview_address_per_minute:
      SettingsSchema.properties.rate_limit_preview_address_per_minute,
  }),
  { ...strict, minProperties: 1 },
);
export type PatchSettingsBody = Static<typeof PatchSettingsBody>;

export const KeepaliveBody = Type.Object(
  {
    seconds: Type.Integer({
      minimum: 1,
      description: 'Keep the sandbox from idle stop this long (at most keepalive_max_seconds)',
    }),
  },
  strict,
);
