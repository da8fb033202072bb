import type { PatchSettingsBody } from '@paddock/shared';

/** A numeric run-time setting as the settings form shows it. */
export interface SettingField {
  key: keyof PatchSettingsBody & string;
  label: string;
  unit: string;
  hint: string;
  /** Dollars take cents and CPU cores tenths; every other setting is a whole number. */
  step: number;
}

/** The run-time settings an admin edits here, grouped as the form shows them. */
export const SETTING_GROUPS: Array<{ title: string; fields: SettingField[] }> = [
  {
    title: 'Sandbox lifecycle',
    fields: [
      {
        key: 'idle_stop_seconds',
        label: 'Idle stop',
        unit: 'seconds',
        hint: 'A running sandbox stops after this long without activity; 0 never stops.',
        step: 1,
      },
      {
        key: 'keepalive_max_seconds',
        label: 'Longest keepalive',
        unit: 'seconds',
        hint: 'The longest keepalive one call may ask for.',
        step: 1,
      },
    ],
  },
  {
    title: 'Tasks',
    fields: [
      {
        key: 'task_timeout_default_seconds',
        label: 'Default task timeout',
        unit: 'seconds',
        hint: 'How long a task may run when it does not say.',
        step: 1,
      },
      {
        key: 'task_timeout_max_seconds',
        label: 'Longest task timeout',
        unit: 'seconds',
        hint: 'The longest timeout a task may ask for.',
        step: 1,
      },
      {
        key: 'task_spend_limit_app_usd',
        label: 'Monthly spend per app',
        unit: 'USD',
        hint: "Model spend one app's tasks may reach in a calendar month (UTC); 0: no limit.",
        step: 0.01,
      },
      {
        key: 'task_spend_limit_owner_usd',
        label: 'Monthly spend per owner',
        unit: 'USD',
        hint: "The same for all of one owner's tasks together; 0: no limit.",
        step: 0.01,
      },
    ],
  },
  {
    title: 'Storage, egress and audit',
    fields: [
      {
        key: 'snapshot_storage_mb',
        label: 'Snapshot storage per owner',
        unit: 'MiB',
        hint: "Files one owner's snapshots may describe in all, before deduplication.",
        step: 1,
      },
      {
        key: 'egress_connections_max',
        label: 'Egress connections per sandbox',
        unit: 'connections',
        hint: 'Open at once through the egress proxy; more are refused.',
        step: 1,
      },
      {
        key: 'audit_retention_days',
        label: 'Audit retention',
        unit: 'days',
        hint: 'Audit log entries older than this are removed.',
        step: 1,
      },
    ],
  },
  {
    title: 'Userspace apps',
    fields: [
      {
        key: 'userspace_trash_days',
        label: 'Trash kept',
        unit: 'days',
        hint: 'An uninstalled app stays in the trash, with its data, this long.',
        step: 1,
      },
      {
        key: 'userspace_health_seconds',
        label: 'Health check window',
        unit: 'seconds',
        hint: "A service app's new version must pass its health check within this, or it rolls back.",
        step: 1,
      },
      {
        key: 'userspace_broker_calls_per_minute',
        label: 'Broker calls',
        unit: 'per minute',
        hint: 'Broker calls one app may make per minute; more are refused.',
        step: 1,
      },
      {
        key: 'userspace_data_quota_bytes',
        label: 'Data quota per app',
        unit: 'bytes',
        hint: "What one app's data (kv, tables, files) may take in all.",
        step: 1,
      },
    ],
  },
  {
    title: 'Owner quotas (defaults; 0: no limit)',
    fields: [
      {
        key: 'quota_sandboxes_running',
        label: 'Running sandboxes',
        unit: 'sandboxes',
        hint: 'Sandboxes one owner may run at once, unless the owner has an override.',
        step: 1,
      },
      {
        key: 'quota_memory_mb',
        label: 'Memory reserved',
        unit: 'MiB',
        hint: "The sum of the memory limits of one owner's running sandboxes.",
        step: 1,
      },
      {
        key: 'quota_cpus',
        label: 'CPU reserved',
        unit: 'cores',
        hint: "The sum of the CPU limits of one owner's running sandboxes.",
        step: 0.1,
      },
      {
        key: 'quota_disk_mb',
        label: 'Disk reserved',
        unit: 'MiB',
        hint: "The sum of the disk limits of one owner's sandboxes, stopped ones included.",
        step: 1,
      },
      {
        key: 'quota_filestore_mb',
        label: 'Filestore storage',
        unit: 'MiB',
        hint: "What one owner's filestores may hold in all.",
        step: 1,
      },
    ],
  },
  {
    title: 'Rate limits (0: no limit)',
    fields: [
      {
        key: 'rate_limit_token_per_minute',
        label: 'API requests per key',
        unit: 'per minute',
        hint: 'Requests one API key (or sandbox token) may make; the admin token is exempt.',
        step: 1,
      },
      {
        key: 'rate_limit_address_per_minute',
        label: 'Anonymous requests per address',
        unit: 'per minute',
        hint: 'Requests without a credential, and refused ones, from one address.',
        step: 1,
      },
      {
        key: 'rate_limit_sign_in_per_minute',
        label: 'Sign-in attempts per address',
        unit: 'per minute',
        hint: 'Console sign-in attempts from one address.',
        step: 1,
      },
      {
        key: 'rate_limit_sign_in_failures_per_hour',
        label: 'Failed sign-ins per address',
        unit: 'per hour',
        hint: 'Past this, every sign-in from that address is refused until the hour refills it.',
        step: 1,
      },
      {
        key: 'rate_limit_preview_sandbox_per_minute',
        label: 'Preview requests per sandbox',
        unit: 'per minute',
        hint: "Requests to one sandbox's previews, from everyone together.",
        step: 1,
      },
      {
        key: 'rate_limit_preview_address_per_minute',
        label: 'Preview requests per address',
        unit: 'per minute',
        hint: 'Requests to all previews from one address.',
        step: 1,
      },
    ],
  },
];
