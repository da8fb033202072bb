import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { appIdOf } from '@paddock/app-package';
import type { KeyedQueue } from '@paddock/shared';
import {
  PaddockError,
  TIER_CEILINGS,
  failpoint,
  type Capability,
  type PinnedKey,
  type PurgePlan,
  type UserspaceApp,
  type UserspacePermissions,
  type UserspaceVersion,
} from '@paddock/shared';
import type { Logger } from 'pino';
import type { AppDataRows } from '@paddock/app-data';
import type { SettingsStore } from '../settings/settingsStore.js';
import type { ServiceHost } from './serviceHost.js';
import type { Caller, UserspaceJournal } from './userspaceJournal.js';
import type { UserspaceFiles } from './userspaceFiles.js';
import type { PublisherKeyRow, UserspaceRow, UserspaceStore } from './userspaceStore.js';
import {
  appView,
  declined,
  granted,
  manifestOf,
  pendingOf,
  runs,
  tierOf,
} from './userspaceView.js';

const DAY_MS = 24 * 3600 * 1000;

export interface UserspaceServiceOptions {
  store: UserspaceStore;
  files: UserspaceFiles;
  host: ServiceHost;
  journal: UserspaceJournal;
  settings: SettingsStore;
  queue: KeyedQueue;
  /** Each app's kv, table and file rows, which a purge removes with its files. */
  appData: AppDataRows;
  log: Logger;
  /** Whether an app id is one whose key Paddock made (a published build app): never pinned. */
  isBuildKey: (appId: string) => Promise<boolean>;
}

/**
 * Everything about installed userspace apps except changing their version (the installer's):
 * reading them, their permissions and versions; enabling, disabling, revoking; the trash,
 * restore and purge; the pinned first-party keys.
 */
export class UserspaceService {
  constructor(private readonly o: UserspaceServiceOptions) {}

  /** The app as the caller may see it: installed by them, or any app for an admin. */
  async row(caller: Caller, id: string): Promise<UserspaceRow> {
    const row = await this.o.store.get(id);
    if (!row || (row.owner_id !== caller.owner && !caller.admin)) {
      throw new PaddockError('not_found', `no userspace app ${id}`);
    }
    return row;
  }

  async view(row: UserspaceRow): Promise<UserspaceApp> {
    const current = await this.o.store.version(row.id, row.version);
    if (!current)
      throw new PaddockError('internal', `version ${row.version} of ${row.id} is not recorded`);
    return appView(
      row,
      current,
      this.o.files.code.previous(row.id),
      await this.o.store.isPinned(row.id),
    );
  }

  async list(caller: Caller, trashed: boolean): Promise<UserspaceApp[]> {
    const rows = await this.o.store.list(trashed);
    const mine = rows.filter((r) => caller.admin || r.owner_id === caller.owner);
    return Promise.all(mine.map((r) => this.view(r)));
  }

  async permissions(row: UserspaceRow): Promise<UserspacePermissions> {
    const current = await this.manifestInUse(row);
    const tier = tierOf(row, await this.o.store.isPinned(row.id));
    return {
      provenance: tier,
      ceiling: [...TIER_CEILINGS[tier]],
      forbidden: this.o.settings.get().userspace_forbidden_capabilities[tier] ?? [],
      required: current.permissions,
      optional: current.optional_permissions,
      granted: granted(row),
      declined: declined(row).filter((d) => !granted(row).includes(d)),
      pending: pendingOf(row)?.diff ?? null,
    };
  }

  /** The manifest of the version the app runs now. */
  private async manifestInUse(row: UserspaceRow) {
    return manifestOf((await this.o.store.version(row.id, row.version))!);
  }

  async versions(row: UserspaceRow): Promise<UserspaceVersion[]> {
    const previous = this.o.files.code.previous(row.id);
    const pending = pendingOf(row)?.diff.version;
    const rows = await this.o.store.versions(row.id);
    return rows.flatMap((v) => {
      const state =
        v.version === row.version && pending !== v.version
          ? 'current'
          : v.version === pending
            ? 'pending'
            : v.version === previous
              ? 'previous'
              : null;
      if (state === null) return [];
      const m = manifestOf(v);
      return [
        {
          version: v.version,
          version_label: m.version_label,
          state,
          digest: v.digest,
          bytes: v.bytes,
          release_notes: m.release_notes ?? null,
          added_at: v.added_at,
        },
      ];
    });
  }

  /** The current version's signed package, as it was installed. */
  package(row: UserspaceRow): { stream: Readable; bytes: number; name: string } {
    const file = this.o.files.packageFile(row.id, row.version);
    return {
      stream: fs.createReadStream(file),
      bytes: fs.statSync(file).size,
      name: `${row.name.replace(/[^A-Za-z0-9._-]+/g, '-')}-${row.version}.paddockapp`,
    };
  }

  async setEnabled(caller: Caller, stale: UserspaceRow, enabled: boolean): Promise<UserspaceRow> {
    return this.locked(stale, async (row) => {
      this.assertNotTrashed(row);
      let next = await this.o.store.update(row.id, { enabled: enabled ? 1 : 0 });
      if (next.app_type === 'service') {
        if (!enabled) await this.o.host.stop(next);
        else if (runs(next)) {
          const sandboxId = await this.o.host.deploy(next, next.version);
          next = await this.o.store.update(next.id, { sandbox_id: sandboxId });
        }
      }
      await this.o.journal.tell(
        caller,
        next,
        enabled ? 'enabled' : 'disabled',
        enabled ? 'enabled' : 'disabled',
        {},
      );
      return next;
    });
  }

  /**
   * Remembers optional permissions the user declined when the app asked, so the desktop does
   * not ask again; granting one later (consent) takes it off the list.
   */
  async decline(
    caller: Caller,
    stale: UserspaceRow,
    permissions: Capability[],
  ): Promise<UserspaceRow> {
    return this.locked(stale, async (row) => {
      const current = await this.manifestInUse(row);
      const unknown = permissions.filter((p) => !current.optional_permissions.includes(p));
      if (unknown.length > 0) {
        throw new PaddockError(
          'bad_request',
          `not optional permissions of this app: ${unknown.join(', ')}`,
        );
      }
      const next = await this.o.store.update(row.id, {
        declined_json: JSON.stringify([...new Set([...declined(row), ...permissions])]),
        granted_json: JSON.stringify(granted(row).filter((g) => !permissions.includes(g))),
      });
      await this.o.journal.tell(caller, next, 'declined', `declined ${permissions.join(', ')}`, {
        declined: permissions,
      });
      return next;
    });
  }

  /** Takes back optional permissions; a required one cannot be (disable or uninstall instead). */
  async revoke(
    caller: Caller,
    stale: UserspaceRow,
    permissions: Capability[],
  ): Promise<UserspaceRow> {
    return this.locked(stale, async (row) => {
      const current = await this.manifestInUse(row);
      const required = permissions.filter((p) => current.permissions.includes(p));
      if (required.length > 0) {
        throw new PaddockError(
          'conflict',
          `${required.join(', ')} ${required.length > 1 ? 'are' : 'is'} required by the app: disable or uninstall it instead`,
        );
      }
      const next = await this.o.store.update(row.id, {
        granted_json: JSON.stringify(granted(row).filter((g) => !permissions.includes(g))),
      });
      await this.o.journal.tell(caller, next, 'revoked', `revoked ${permissions.join(', ')}`, {
        revoked: permissions,
      });
      return next;
    });
  }

  /** Uninstall: to the trash, data kept, for `userspace_trash_days`. */
  async trash(caller: Caller, stale: UserspaceRow): Promise<void> {
    await this.locked(stale, async (row) => {
      this.assertNotTrashed(row);
      if (row.app_type === 'service') await this.o.host.stop(row);
      failpoint('userspace.uninstall.stopped');
      const now = Date.now();
      const days = this.o.settings.get().userspace_trash_days;
      const next = await this.o.store.update(row.id, {
        trashed_at: new Date(now).toISOString(),
        purge_after: new Date(now + days * DAY_MS).toISOString(),
      });
      failpoint('userspace.uninstall.recorded');
      await this.o.journal.tell(
        caller,
        next,
        'uninstalled',
        `moved to the trash for ${days} days`,
        { days },
      );
    });
  }

  async restore(caller: Caller, stale: UserspaceRow): Promise<UserspaceRow> {
    return this.locked(stale, async (row) => {
      if (row.trashed_at === null)
        throw new PaddockError('conflict', `app ${row.id} is not in the trash`);
      let next = await this.o.store.update(row.id, { trashed_at: null, purge_after: null });
      if (next.app_type === 'service' && runs(next)) {
        const sandboxId = await this.o.host.deploy(next, next.version);
        next = await this.o.store.update(next.id, { sandbox_id: sandboxId });
      }
      await this.o.journal.tell(caller, next, 'restored', 'restored from the trash', {});
      return next;
    });
  }

  /** What a purge would remove; removes it only with `confirm`. */
  async purge(caller: Caller, row: UserspaceRow, confirm: boolean): Promise<PurgePlan> {
    if (!confirm) {
      throw new PaddockError(
        'confirmation_required',
        `purging removes app ${row.id}, its versions and its data for good; repeat with confirm=true`,
        await this.purgePlan(row.id),
      );
    }
    return this.locked(row, async (fresh) => {
      const plan = await this.purgeNow(fresh);
      await this.o.journal.tell(caller, row, 'purged', 'purged with its data', {
        bytes: plan.bytes,
        paths: plan.paths,
      });
      return plan;
    });
  }

  /** Purges the trashed apps whose time is up. */
  async sweepTrash(): Promise<number> {
    const expired = await this.o.store.expired(new Date().toISOString());
    for (const row of expired) {
      await this.o.queue.run(row.id, () => this.purgeNow(row));
      this.o.log.info({ app_id: row.id }, 'trashed userspace app purged');
    }
    return expired.length;
  }

  /** What other modules keep of an app (its notifications, its agent tasks), gone with it. */
  private readonly purgeHooks: ((appId: string) => Promise<void>)[] = [];

  whenPurged(hook: (appId: string) => Promise<void>): void {
    this.purgeHooks.push(hook);
  }

  /**
   * The app is first marked due (in the trash, its time up) and its row goes last: a crash in
   * between leaves an app no one can restore half-purged, which the next start's sweep purges.
   */
  private async purgeNow(row: UserspaceRow): Promise<PurgePlan> {
    const now = new Date().toISOString();
    await this.o.store.update(row.id, { trashed_at: row.trashed_at ?? now, purge_after: now });
    failpoint('userspace.purge.marked');
    if (row.app_type === 'service') await this.o.host.remove(row);
    const { kv_bytes, table_bytes } = await this.o.appData.usage(row.id);
    await this.o.appData.purge(row.id);
    failpoint('userspace.purge.data_removed');
    for (const hook of this.purgeHooks) await hook(row.id);
    const plan = this.o.files.purge(row.id);
    failpoint('userspace.purge.files_removed');
    await this.o.store.remove(row.id);
    return { ...plan, rows_bytes: kv_bytes + table_bytes };
  }

  /** What a purge removes: the app's files on the host and its rows in the store. */
  private async purgePlan(appId: string): Promise<PurgePlan> {
    const { kv_bytes, table_bytes } = await this.o.appData.usage(appId);
    return { ...this.o.files.purgePlan(appId), rows_bytes: kv_bytes + table_bytes };
  }

  pinnedKeys(): Promise<PinnedKey[]> {
    return this.o.store.pinnedKeys().then((rows) => rows.map(pinnedView));
  }

  async pin(publicKey: string, note: string): Promise<PinnedKey> {
    const raw = Buffer.from(
      publicKey,
      publicKey.includes('-') || publicKey.includes('_') ? 'base64url' : 'base64',
    );
    if (raw.length !== 32)
      throw new PaddockError('bad_request', 'public_key must be a 32-byte Ed25519 key in base64');
    const appId = appIdOf(raw);
    if (await this.o.isBuildKey(appId)) {
      throw new PaddockError(
        'publisher_key_not_pinnable',
        'this key is one Paddock made for a published build app; it can never be first-party',
      );
    }
    if (await this.o.store.isPinned(appId))
      throw new PaddockError('already_exists', 'the key is already pinned');
    const row: PublisherKeyRow = {
      app_id: appId,
      public_key: raw.toString('base64'),
      note,
      pinned_at: new Date().toISOString(),
    };
    await this.o.store.pin(row);
    return pinnedView(row);
  }

  async unpin(appId: string): Promise<void> {
    if (!(await this.o.store.unpin(appId)))
      throw new PaddockError('not_found', `no pinned key for ${appId}`);
  }

  /** Runs `fn` in the app's queue with its row as it is now (gone meanwhile: not found). */
  private locked<T>(stale: UserspaceRow, fn: (row: UserspaceRow) => Promise<T>): Promise<T> {
    return this.o.queue.run(stale.id, async () => {
      const row = await this.o.store.get(stale.id);
      if (!row) throw new PaddockError('not_found', `no userspace app ${stale.id}`);
      return fn(row);
    });
  }

  private assertNotTrashed(row: UserspaceRow): void {
    if (row.trashed_at !== null)
      throw new PaddockError('conflict', `app ${row.id} is in the trash: restore it first`);
  }
}

function pinnedView(row: PublisherKeyRow): PinnedKey {
  return {
    public_key: row.public_key,
    app_id: row.app_id,
    note: row.note,
    pinned_at: row.pinned_at,
  };
}
