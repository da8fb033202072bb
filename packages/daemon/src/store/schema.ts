/**
 * The tables as Kysely sees them. Only portable column types: text, integer, real. Timestamps
 * are ISO-8601 text and JSON is text, so the same queries run on SQLite and PostgreSQL.
 */
import type {
  AccessPolicy,
  AuditOutcome,
  OwnerRole,
  SandboxStatus,
  Severity,
  SnapshotSource,
  SnapshotStatus,
  TaskStatus,
} from '@paddock/shared';
import type { AppDataDatabase } from '@paddock/app-data';
import type { Generated } from 'kysely';

export interface Database extends AppDataDatabase {
  app_notifications: AppNotificationsTable;
  owners: OwnersTable;
  api_keys: ApiKeysTable;
  sandboxes: SandboxesTable;
  sandbox_metadata: SandboxMetadataTable;
  events: EventsTable;
  settings: SettingsTable;
  owner_quotas: OwnerQuotasTable;
  apps: AppsTable;
  tasks: TasksTable;
  snapshots: SnapshotsTable;
  app_config: AppConfigTable;
  audit_log: AuditLogTable;
  egress_policies: EgressPoliciesTable;
  userspace_apps: UserspaceAppsTable;
  instance_secrets: InstanceSecretsTable;
  app_agent_tasks: AppAgentTasksTable;
  userspace_versions: UserspaceVersionsTable;
  publisher_keys: PublisherKeysTable;
  provenance: ProvenanceTable;
  app_signing_keys: AppSigningKeysTable;
  filestores: FilestoresTable;
  sandbox_filestores: SandboxFilestoresTable;
}

/** An owner's filestore; `bytes` and `files` as last measured (writes, syncs, halts). */
export interface FilestoresTable {
  id: string;
  owner_id: string;
  name: string;
  /** `local` or the name of an S3 backend (instance_secrets `filestore-backend:<name>`). */
  backend: string;
  /** Its place in the backend, made by the daemon from the owner and the id. */
  location_key: string;
  bytes: number;
  files: number;
  created_at: string;
  updated_at: string;
}

/** A filestore a sandbox has: shown at `path` (null: through its token only), `ro` or `rw`. */
export interface SandboxFilestoresTable {
  sandbox_id: string;
  filestore_id: string;
  path: string | null;
  mode: 'ro' | 'rw';
  /** A synced copy's host directory while the sandbox runs (S3 backends); null otherwise. */
  copy_dir: string | null;
  synced_at: string | null;
}

/**
 * The Ed25519 key pair Paddock made for a build app it publishes: the package's identity
 * (`package_id`, the public key in base32). Such keys are never pinned as first-party.
 */
export interface AppSigningKeysTable {
  /** The build app. */
  app_id: string;
  owner_id: string;
  /** The userspace app id the key makes: the raw public key in lower-case base32. */
  package_id: string;
  /** The raw public key, base64. */
  public_key: string;
  /** The PKCS#8 PEM, sealed with the master key (secretBox.ts) at appKeyPlace(app_id). */
  sealed_private_key: string;
  /** The highest version a publish used (0: none yet); the next one goes above it. */
  last_version: number;
  created_at: string;
  updated_at: string;
}

/**
 * What changed a workspace's files, per subject: `app:<id>`, `sandbox:<id>` (a standalone
 * sandbox) or `snapshot:<id>`. Entries are copied along with the code (capture, fork, restore,
 * export and import), keeping their `entry_id`, so the same change is listed once.
 */
export interface ProvenanceTable {
  subject: string;
  /** A task's id, `agent:<key id>`, or a marker's own id. */
  entry_id: string;
  kind: ProvenanceKind;
  /** When it first happened (copies keep it). */
  at: string;
  task_id: string | null;
  /** The task's provider, or the agent key's id. */
  actor: string | null;
  /** A marker's snapshot, or `<app id>@<commit>` for a fork from a checkpoint. */
  ref: string | null;
  /** The subject it was first recorded on. */
  origin: string;
}

/**
 * `task` and `agent_change` are agents' changes (they make an app ai-generated); the markers
 * say where the code came from: a new workspace filled from a snapshot, a restore, an import.
 */
export type ProvenanceKind = 'task' | 'agent_change' | 'forked_from' | 'restored_from' | 'imported';

/** `subject` is `app:<id>` or `sandbox:<id>` (a standalone sandbox). */
export interface EgressPoliciesTable {
  subject: string;
  owner_id: string;
  allow_json: string;
  deny_json: string;
  updated_at: string;
}

/** Append-only; entries leave only by retention (audit_retention_days). */
export interface AuditLogTable {
  id: string;
  at: string;
  actor_owner: string | null;
  actor_key: string | null;
  ip: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  outcome: AuditOutcome;
  details_json: string;
}

export interface AppConfigTable {
  app_id: string;
  owner_id: string;
  key: string;
  sensitive: number;
  /** The value of a non-sensitive entry; null for sensitive ones. */
  value: string | null;
  /** A sensitive value sealed with the master key (secretBox.ts); null otherwise. */
  sealed: string | null;
  access_policy: AccessPolicy;
  inject_json: string | null;
  created_at: string;
  updated_at: string;
}

export interface SnapshotsTable {
  id: string;
  owner_id: string;
  app_id: string | null;
  sandbox_id: string | null;
  name: string;
  source: SnapshotSource;
  status: SnapshotStatus;
  error: string | null;
  /** The content-store object holding the manifest (paths, modes, hashes); set once ready. */
  manifest_sha256: string | null;
  files: number;
  size_bytes: number;
  new_bytes: number;
  /** 1 when nothing in the sandbox ran during the capture (frozen or stopped). */
  consistent: number;
  skipped_json: string;
  /** Set when the capture or import ends, ready or failed. */
  duration_ms: number | null;
  /** Null when no process was frozen (a stopped sandbox, an import). */
  frozen_ms: number | null;
  /** 0 while a ready snapshot's content may not have reached the disk (see SnapshotDurability). */
  durable: number;
  created_at: string;
  ready_at: string | null;
}

export interface TasksTable {
  id: string;
  owner_id: string;
  sandbox_id: string;
  provider: string;
  /** The provider's input as given (a script, later a prompt). */
  input_json: string;
  status: TaskStatus;
  status_reason: string | null;
  timeout_seconds: number;
  result_json: string | null;
  /** The model spend its CLI reported (result.usage.cost_usd), summed for spend limits. */
  cost_usd: number | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
}

export interface AppsTable {
  id: string;
  owner_id: string;
  name: string;
  /** The preset whose dependency cache the app uses; null for an imported project. */
  preset: string | null;
  /** 0 or 1: a public preview needs no token. */
  public: number;
  /** The app's current sandbox (its workspace is the app's). */
  sandbox_id: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  /**
   * An imported app's record (source, state, detection) as JSON; null for a preset app. While
   * its state is `importing` or `review` the runtime starts no processes.
   */
  import_json: string | null;
}

export interface OwnersTable {
  id: string;
  created_at: string;
  /**
   * Bumped by "sign out everywhere": a console session carries the epoch it was issued at and
   * is good only while that is still the owner's.
   */
  session_epoch: Generated<number>;
}

export interface ApiKeysTable {
  id: string;
  owner_id: string;
  name: string;
  role: OwnerRole;
  prefix: string;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface SandboxesTable {
  id: string;
  owner_id: string;
  /** The API's statuses, plus `deleted` for rows kept after a delete. */
  status: SandboxStatus | 'deleted';
  status_reason: string | null;
  memory_mb: number;
  pids: number;
  cpus: number;
  disk_mb: number;
  env_json: string;
  metadata_json: string;
  oom_kills: number;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  stopped_at: string | null;
  deleted_at: string | null;
  /** The last API call, exec or (later) preview request that touched it. */
  last_active_at: string | null;
  /** Idle stop does not apply before this. */
  keepalive_until: string | null;
  /** The app this sandbox belongs to, and its preset (what seeds it and mounts its cache). */
  app_id: string | null;
  preset: string | null;
  /** When the preset's template was written (once: never again, even if files are deleted). */
  seeded_at: string | null;
  /** The web port of the last applied manifest: the preview's target, known while stopped. */
  web_port: number | null;
  /** Bumped at every start and rotation; preview tokens of an older epoch are refused. */
  preview_epoch: number;
  /**
   * Set while a new sandbox's workspace is filled (from a snapshot or a checkpoint), before its
   * create answers: a row that still has it at start was cut short, and is removed.
   */
  filling_since: string | null;
  /** Set while a snapshot is written over the workspace: a restart finishes the restore. */
  restoring_snapshot_id: string | null;
}

export interface SandboxMetadataTable {
  sandbox_id: string;
  key: string;
  value: string;
}

export interface EventsTable {
  id: string;
  owner_id: string;
  sandbox_id: string | null;
  type: string;
  severity: Severity;
  message: string;
  payload_json: string;
  created_at: string;
}

/** One quota override of one owner (the default settings apply to every other). */
export interface OwnerQuotasTable {
  owner_id: string;
  quota: string;
  value: number;
  updated_at: string;
}

export interface SettingsTable {
  key: string;
  value_json: string;
  updated_at: string;
}

/** A task a userspace app started in one of its user's build apps (`app.agent`). */
export interface AppAgentTasksTable {
  task_id: string;
  app_id: string;
  owner_id: string;
  created_at: string;
}

/**
 * A value of the whole install, sealed with the master key (`place` instance-secret:<name>),
 * with what describes it in the clear (the model API's provider and model, never its key).
 */
export interface InstanceSecretsTable {
  name: string;
  sealed: string;
  meta_json: string;
  updated_at: string;
}

/**
 * An installed userspace app (one per id on this Paddock). `version` is the one in use (its
 * files are `current` on disk); a version waiting for consent is in `pending_json`. The
 * provenance stored is never `first-party`: that comes from `publisher_keys` when it is read.
 */
export interface UserspaceAppsTable {
  id: string;
  owner_id: string;
  name: string;
  app_type: 'web' | 'service';
  version: number;
  enabled: number;
  provenance: 'ai-generated' | 'user-uploaded' | 'unknown';
  publisher_key: string;
  granted_json: string;
  pending_json: string | null;
  source_json: string;
  last_update_json: string | null;
  /** A service app's sandbox. */
  sandbox_id: string | null;
  /** An update's health gate while it is open: what a failure puts back (`HealthGate`). */
  gate_json: string | null;
  /** Optional permissions the user declined when the app asked (JSON array). */
  declined_json: string;
  installed_at: string;
  updated_at: string;
  trashed_at: string | null;
  purge_after: string | null;
}

/** A version whose package Paddock keeps (current, previous, pending). */
export interface UserspaceVersionsTable {
  app_id: string;
  version: number;
  digest: string;
  bytes: number;
  manifest_json: string;
  scan_json: string;
  added_at: string;
}

/** A first-party publisher: its app id is its public key's. */
export interface PublisherKeysTable {
  app_id: string;
  public_key: string;
  note: string;
  pinned_at: string;
}

/** A notification an app made (`app.notify`), for the person it speaks to. */
export interface AppNotificationsTable {
  id: string;
  app_id: string;
  owner_id: string;
  title: string;
  body: string;
  created_at: string;
  read_at: string | null;
}
