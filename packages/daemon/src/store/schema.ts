/**
 * The tables as Kysely sees them. Only portable column types: text, integer, real. Timestamps
 * are ISO-8601 text and JSON is text, so the same queries run on SQLite and PostgreSQL.
 */
export interface Database {
  owners: OwnersTable;
  api_keys: ApiKeysTable;
  sandboxes: SandboxesTable;
  sandbox_metadata: SandboxMetadataTable;
  events: EventsTable;
  settings: SettingsTable;
}

export interface OwnersTable {
  id: string;
  created_at: string;
}

export interface ApiKeysTable {
  id: string;
  owner_id: string;
  name: string;
  role: 'admin' | 'user';
  prefix: string;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface SandboxesTable {
  id: string;
  owner_id: string;
  status: 'starting' | 'running' | 'stopping' | 'stopped' | 'failed' | 'deleted';
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
  severity: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  payload_json: string;
  created_at: string;
}

export interface SettingsTable {
  key: string;
  value_json: string;
  updated_at: string;
}
