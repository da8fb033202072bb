import type { PatchSettingsBody } from '@paddock/shared';

/** A numeric run-time setting as the settings form shows it. */
export interface SettingField {
  key: keyof PatchSettingsBody & string;
  label: string;
  unit: string;
  hint: string;
  /** Dollars take cents; every other setting is a whole number. */
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
];
