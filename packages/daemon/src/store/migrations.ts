import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { createAppDataTables, createAppDataUsage } from '@paddock/app-data';

/**
 * Forward-only, versioned migrations, applied at start. Append new entries; never edit one that
 * has shipped. Only portable DDL, so PostgreSQL can run the same list later.
 */
const migrations: Record<string, Migration> = {
  '0001_core': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('owners')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner_id', 'text', (c) => c.notNull().references('owners.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema
        .createTable('sandboxes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner_id', 'text', (c) => c.notNull().references('owners.id'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_reason', 'text')
        .addColumn('memory_mb', 'integer', (c) => c.notNull())
        .addColumn('pids', 'integer', (c) => c.notNull())
        .addColumn('cpus', 'real', (c) => c.notNull())
        .addColumn('disk_mb', 'integer', (c) => c.notNull())
        .addColumn('env_json', 'text', (c) => c.notNull())
        .addColumn('metadata_json', 'text', (c) => c.notNull())
        .addColumn('oom_kills', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text')
        .addColumn('stopped_at', 'text')
        .addColumn('deleted_at', 'text')
        .execute();
      await db.schema
        .createIndex('sandboxes_owner_id')
        .on('sandboxes')
        .columns(['owner_id', 'id'])
        .execute();
      await db.schema
        .createTable('sandbox_metadata')
        .addColumn('sandbox_id', 'text', (c) => c.notNull().references('sandboxes.id'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('sandbox_metadata_pk', ['sandbox_id', 'key'])
        .execute();
      await db.schema
        .createIndex('sandbox_metadata_key_value')
        .on('sandbox_metadata')
        .columns(['key', 'value'])
        .execute();
      await db.schema
        .createTable('events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('sandbox_id', 'text')
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('payload_json', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('events_sandbox_id')
        .on('events')
        .columns(['sandbox_id', 'id'])
        .execute();
    },
  },
  '0002_lifecycle': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('sandboxes').addColumn('last_active_at', 'text').execute();
      await db.schema.alterTable('sandboxes').addColumn('keepalive_until', 'text').execute();
      await db.schema
        .createTable('settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value_json', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0003_apps': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('apps')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner_id', 'text', (c) => c.notNull().references('owners.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('preset', 'text', (c) => c.notNull())
        .addColumn('public', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('sandbox_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('deleted_at', 'text')
        .execute();
      await db.schema.createIndex('apps_owner_id').on('apps').columns(['owner_id', 'id']).execute();
      await db.schema.alterTable('sandboxes').addColumn('app_id', 'text').execute();
      await db.schema.alterTable('sandboxes').addColumn('preset', 'text').execute();
      await db.schema.alterTable('sandboxes').addColumn('seeded_at', 'text').execute();
      await db.schema.alterTable('sandboxes').addColumn('web_port', 'integer').execute();
      await db.schema
        .alterTable('sandboxes')
        .addColumn('preview_epoch', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
  '0004_tasks': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('tasks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('sandbox_id', 'text', (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('input_json', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_reason', 'text')
        .addColumn('timeout_seconds', 'integer', (c) => c.notNull())
        .addColumn('result_json', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text')
        .addColumn('ended_at', 'text')
        .execute();
      await db.schema
        .createIndex('tasks_sandbox_id')
        .on('tasks')
        .columns(['sandbox_id', 'id'])
        .execute();
    },
  },
  '0005_snapshots': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('snapshots')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('app_id', 'text')
        .addColumn('sandbox_id', 'text')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('manifest_sha256', 'text')
        .addColumn('files', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('size_bytes', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('new_bytes', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('consistent', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('skipped_json', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('ready_at', 'text')
        .execute();
      await db.schema
        .createIndex('snapshots_owner_app')
        .on('snapshots')
        .columns(['owner_id', 'app_id', 'id'])
        .execute();
    },
  },
  '0006_app_config': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('app_config')
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('sensitive', 'integer', (c) => c.notNull())
        .addColumn('value', 'text')
        .addColumn('sealed', 'text')
        .addColumn('access_policy', 'text', (c) => c.notNull())
        .addColumn('inject_json', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('app_config_pk', ['app_id', 'key'])
        .execute();
    },
  },
  '0007_audit_log': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor_owner', 'text')
        .addColumn('actor_key', 'text')
        .addColumn('ip', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target_type', 'text')
        .addColumn('target_id', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('details_json', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
    },
  },
  '0008_egress_policies': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('egress_policies')
        .addColumn('subject', 'text', (c) => c.primaryKey())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('allow_json', 'text', (c) => c.notNull())
        .addColumn('deny_json', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0009_snapshot_timings': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('snapshots').addColumn('duration_ms', 'integer').execute();
      await db.schema.alterTable('snapshots').addColumn('frozen_ms', 'integer').execute();
    },
  },
  '0010_snapshot_durable': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Rows from before it were synced before they turned ready.
      await db.schema
        .alterTable('snapshots')
        .addColumn('durable', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
    },
  },
  '0011_task_cost': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('tasks').addColumn('cost_usd', 'real').execute();
      await db.schema
        .createIndex('tasks_owner_created')
        .on('tasks')
        .columns(['owner_id', 'created_at'])
        .execute();
    },
  },
  '0012_userspace_apps': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('userspace_apps')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('app_type', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('provenance', 'text', (c) => c.notNull())
        .addColumn('publisher_key', 'text', (c) => c.notNull())
        .addColumn('granted_json', 'text', (c) => c.notNull())
        .addColumn('pending_json', 'text')
        .addColumn('source_json', 'text', (c) => c.notNull())
        .addColumn('last_update_json', 'text')
        .addColumn('sandbox_id', 'text')
        .addColumn('installed_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('trashed_at', 'text')
        .addColumn('purge_after', 'text')
        .execute();
      await db.schema
        .createTable('userspace_versions')
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('bytes', 'integer', (c) => c.notNull())
        .addColumn('manifest_json', 'text', (c) => c.notNull())
        .addColumn('scan_json', 'text', (c) => c.notNull())
        .addColumn('added_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('userspace_versions_pk', ['app_id', 'version'])
        .execute();
      await db.schema
        .createTable('publisher_keys')
        .addColumn('app_id', 'text', (c) => c.primaryKey())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull())
        .addColumn('pinned_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0013_provenance': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('provenance')
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('entry_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('task_id', 'text')
        .addColumn('actor', 'text')
        .addColumn('ref', 'text')
        .addColumn('origin', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('provenance_pk', ['subject', 'entry_id'])
        .execute();
      // The record starts with what is known: every task that ran on an app's (or a standalone
      // sandbox's) workspace, and for each snapshot, what its workspace had by its capture.
      const subject = sql`case when s.app_id is null then 'sandbox:' || s.id else 'app:' || s.app_id end`;
      await sql`insert into provenance (subject, entry_id, kind, at, task_id, actor, ref, origin)
        select ${subject}, t.id, 'task', t.started_at, t.id, t.provider, null, ${subject}
        from tasks t join sandboxes s on s.id = t.sandbox_id
        where t.started_at is not null`.execute(db);
      await sql`insert into provenance (subject, entry_id, kind, at, task_id, actor, ref, origin)
        select 'snapshot:' || n.id, p.entry_id, p.kind, p.at, p.task_id, p.actor, p.ref, p.origin
        from snapshots n join sandboxes s on s.id = n.sandbox_id
        join provenance p on p.subject = ${subject}
        where n.source = 'capture' and p.at <= n.created_at`.execute(db);
    },
  },
  '0014_app_signing_keys': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('app_signing_keys')
        .addColumn('app_id', 'text', (c) => c.primaryKey())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('package_id', 'text', (c) => c.notNull().unique())
        .addColumn('public_key', 'text', (c) => c.notNull().unique())
        .addColumn('sealed_private_key', 'text', (c) => c.notNull())
        .addColumn('last_version', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0015_userspace_gate': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('userspace_apps').addColumn('gate_json', 'text').execute();
    },
  },
  '0016_userspace_declined': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('userspace_apps')
        .addColumn('declined_json', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
    },
  },
  '0017_instance_secrets': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('instance_secrets')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('sealed', 'text', (c) => c.notNull())
        .addColumn('meta_json', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0018_app_agent_tasks': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('app_agent_tasks')
        .addColumn('task_id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('app_agent_tasks_by_app')
        .on('app_agent_tasks')
        .column('app_id')
        .execute();
    },
  },
  '0019_app_data': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Each userspace app's kv, table documents and file index, keyed by app (@paddock/app-data).
      await createAppDataTables(db);
      await db.schema
        .createTable('app_notifications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('read_at', 'text')
        .execute();
      await db.schema
        .createIndex('app_notifications_owner')
        .on('app_notifications')
        .columns(['owner_id', 'id'])
        .execute();
    },
  },
  '0020_app_data_usage': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Quota checks read a counter the tables' triggers keep, not a sum over an app's rows.
      await createAppDataUsage(db);
      // An app's newest notifications are kept, the rest dropped as new ones come.
      await db.schema
        .createIndex('app_notifications_app')
        .on('app_notifications')
        .columns(['app_id', 'id'])
        .execute();
    },
  },
  '0021_session_epochs': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Sessions issued before carry no epoch: they count as epoch 0, good until the first bump.
      await db.schema
        .alterTable('owners')
        .addColumn('session_epoch', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
  '0022_app_imports': {
    async up(db: Kysely<unknown>): Promise<void> {
      // An imported project may have no preset: `preset` becomes nullable, which SQLite can only
      // do by building the table anew (nothing references apps, so the swap is safe).
      await db.schema
        .createTable('apps_next')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner_id', 'text', (c) => c.notNull().references('owners.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('preset', 'text')
        .addColumn('public', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('sandbox_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('deleted_at', 'text')
        // Where an imported app came from, its state and what detection found (as JSON).
        .addColumn('import_json', 'text')
        .execute();
      await sql`INSERT INTO apps_next (id, owner_id, name, preset, public, sandbox_id, created_at, updated_at, deleted_at)
        SELECT id, owner_id, name, preset, public, sandbox_id, created_at, updated_at, deleted_at FROM apps`.execute(
        db,
      );
      await db.schema.dropTable('apps').execute();
      await db.schema.alterTable('apps_next').renameTo('apps').execute();
      await db.schema.createIndex('apps_owner_id').on('apps').columns(['owner_id', 'id']).execute();
    },
  },
  '0023_filestores': {
    async up(db: Kysely<unknown>): Promise<void> {
      // An owner's named stores of user data; the place in the backend is the daemon's, never a
      // request's (location_key). Deleted stores lose their row: their files are gone too.
      await db.schema
        .createTable('filestores')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('backend', 'text', (c) => c.notNull())
        .addColumn('location_key', 'text', (c) => c.notNull())
        .addColumn('bytes', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('files', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('filestores_owner_name')
        .on('filestores')
        .columns(['owner_id', 'name'])
        .unique()
        .execute();
      // Which filestores each sandbox has: where, how, and a synced copy's place and baseline.
      await db.schema
        .createTable('sandbox_filestores')
        .addColumn('sandbox_id', 'text', (c) => c.notNull())
        .addColumn('filestore_id', 'text', (c) => c.notNull())
        .addColumn('path', 'text')
        .addColumn('mode', 'text', (c) => c.notNull())
        .addColumn('copy_dir', 'text')
        .addColumn('synced_at', 'text')
        .addPrimaryKeyConstraint('sandbox_filestores_pk', ['sandbox_id', 'filestore_id'])
        .execute();
      await db.schema
        .createIndex('sandbox_filestores_filestore')
        .on('sandbox_filestores')
        .column('filestore_id')
        .execute();
    },
  },
  '0024_owner_quotas': {
    async up(db: Kysely<unknown>): Promise<void> {
      // An admin's per-owner quota overrides; an owner without a row has the default settings.
      // No foreign key: quotas may be set before the owner's first key is minted.
      await db.schema
        .createTable('owner_quotas')
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('quota', 'text', (c) => c.notNull())
        .addColumn('value', 'real', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('owner_quotas_pk', ['owner_id', 'quota'])
        .execute();
    },
  },
  '0025_sandbox_workspace_writes': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Writes into a workspace that must not be left half-done by a crash: a create that fills
      // the workspace (rolled back at start) and a snapshot restore (rolled forward at start).
      await db.schema.alterTable('sandboxes').addColumn('filling_since', 'text').execute();
      await db.schema.alterTable('sandboxes').addColumn('restoring_snapshot_id', 'text').execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
