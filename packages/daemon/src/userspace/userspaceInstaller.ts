import fs from 'node:fs';
import {
  assertNotForbidden,
  assertUpgradable,
  beyondCeiling,
  extractPackage,
  openPackage,
  permissionDiff,
  type OpenedPackage,
  type PackageListing,
} from '@paddock/app-package';
import type { KeyedQueue } from '@paddock/shared';
import {
  PaddockError,
  failpoint,
  type Capability,
  type InstallResult,
  type PackageSource,
  type ProvenanceTier,
  type UpdateOutcome,
} from '@paddock/shared';
import type { SettingsStore } from '../settings/settingsStore.js';
import type { Db } from '../store/database.js';
import type { HealthGate } from './healthGate.js';
import type { Caller, UserspaceJournal } from './userspaceJournal.js';
import type { ServiceHost } from './serviceHost.js';
import type { UserspaceFiles } from './userspaceFiles.js';
import type { UserspaceRow, UserspaceStore } from './userspaceStore.js';
import {
  granted,
  manifestOf,
  pendingOf,
  runs,
  scanView,
  tierOf,
  type PendingVersion,
} from './userspaceView.js';

export interface InstallOptions {
  source: PackageSource;
  /** Publish says what the record shows; every other way in is `user-uploaded`. */
  provenance?: 'ai-generated' | 'user-uploaded';
  /** Grant what the package requires beyond its tier's ceiling. */
  consent?: boolean;
}

export interface Installed {
  created: boolean;
  result: Omit<InstallResult, 'app'> & { row: UserspaceRow };
}

export interface UserspaceInstallerOptions {
  store: UserspaceStore;
  files: UserspaceFiles;
  host: ServiceHost;
  settings: SettingsStore;
  journal: UserspaceJournal;
  /** One operation per app at a time (shared with the rest of the userspace service). */
  queue: KeyedQueue;
  gate: HealthGate;
}

/**
 * Install, update, consent and rollback: the steps that change which version of an app is in
 * use. Authorization comes before extraction: the package is read through and its signature,
 * id ownership, tier, forbidden capabilities and version rules are checked before a byte of it
 * reaches the apps' disk. Then it is extracted to staging and swapped in with one rename; a
 * service app's new version must pass its health check, or the code and the data go back.
 */
export class UserspaceInstaller {
  constructor(private readonly o: UserspaceInstallerOptions) {}

  /** Takes a package file from `incoming/` (it is moved or removed, never left behind). */
  async install(caller: Caller, file: string, options: InstallOptions): Promise<Installed> {
    let pkg: OpenedPackage;
    try {
      pkg = await openPackage(file, { private: true });
    } catch (err) {
      fs.rmSync(file, { force: true });
      throw err;
    }
    const id = pkg.manifest.id;
    return this.o.queue.run(id, async () => {
      try {
        return await this.installNow(caller, pkg, options);
      } finally {
        fs.rmSync(file, { force: true });
      }
    });
  }

  private async installNow(
    caller: Caller,
    pkg: OpenedPackage,
    options: InstallOptions,
  ): Promise<Installed> {
    const { manifest } = pkg;
    const existing = await this.o.store.get(manifest.id);
    const pinned = await this.o.store.isPinned(manifest.id);
    const tier: ProvenanceTier = pinned ? 'first-party' : (options.provenance ?? 'user-uploaded');
    if (existing) {
      if (existing.owner_id !== caller.owner && !caller.admin) {
        throw new PaddockError('forbidden', `app ${manifest.id} was installed by another owner`);
      }
      if (existing.trashed_at !== null) {
        throw new PaddockError('conflict', `app ${manifest.id} is in the trash: restore it first`);
      }
      assertUpgradable(existing.version, manifest);
    }
    assertNotForbidden(manifest, tier, this.forbidden(tier));
    // Checked: now the package may be kept and, when it runs, extracted.
    this.o.files.keepPackage(manifest.id, manifest.version, pkg.file);
    await this.o.store.putVersion({
      app_id: manifest.id,
      version: manifest.version,
      digest: pkg.digest,
      bytes: pkg.bytes,
      manifest_json: JSON.stringify(manifest),
      scan_json: JSON.stringify(scanView(pkg.listing.report, manifest)),
      added_at: new Date().toISOString(),
    });
    const provenance = options.provenance ?? 'user-uploaded';
    const consent = options.consent === true;
    if (!existing)
      return {
        created: true,
        result: await this.first(caller, pkg, tier, provenance, options.source, consent),
      };
    const diff = permissionDiff(manifest, tier, granted(existing), await this.required(existing));
    if (diff.added.length > 0 && !consent) {
      const pending: PendingVersion = { diff, source: options.source, provenance };
      const row = await this.o.store.update(existing.id, {
        pending_json: JSON.stringify(pending),
        last_update_json: JSON.stringify(
          outcome(existing.version, manifest.version, 'pending_consent', null),
        ),
      });
      await this.o.journal.tell(
        caller,
        row,
        'pending_consent',
        `waits for consent to ${diff.added.join(', ')}`,
        {
          version: manifest.version,
          added: diff.added,
          removed: diff.removed,
        },
      );
      return { created: false, result: { outcome: 'pending_consent', row } };
    }
    const pending: PendingVersion = { diff, source: options.source, provenance };
    const result = await this.apply(caller, existing, pending, diff.added, pkg.listing);
    return { created: false, result };
  }

  /** A first install: extracted and swapped in; it runs unless it waits for consent. */
  private async first(
    caller: Caller,
    pkg: OpenedPackage,
    tier: ProvenanceTier,
    provenance: UserspaceRow['provenance'],
    source: PackageSource,
    consent: boolean,
  ) {
    const { manifest } = pkg;
    const beyond = beyondCeiling(manifest, tier);
    const waits = beyond.length > 0 && !consent;
    await this.extract(manifest.id, manifest.version, pkg.listing);
    const now = new Date().toISOString();
    const diff = {
      version: manifest.version,
      version_label: manifest.version_label,
      added: beyond,
      removed: [],
    };
    let row: UserspaceRow = {
      id: manifest.id,
      owner_id: caller.owner,
      name: manifest.name,
      app_type: manifest.app_type,
      version: manifest.version,
      enabled: 1,
      provenance,
      publisher_key: pkg.publicKey.toString('base64'),
      granted_json: JSON.stringify(waits ? [] : beyond),
      pending_json: waits
        ? JSON.stringify({ diff, source, provenance } satisfies PendingVersion)
        : null,
      source_json: JSON.stringify(source),
      last_update_json: JSON.stringify(
        outcome(null, manifest.version, waits ? 'pending_consent' : 'installed', null),
      ),
      sandbox_id: null,
      gate_json: null,
      declined_json: '[]',
      installed_at: now,
      updated_at: now,
      trashed_at: null,
      purge_after: null,
    };
    await this.o.store.insert(row);
    failpoint('userspace.recorded');
    if (!waits && manifest.app_type === 'service') {
      const health = await this.o.gate.check(row, manifest.version);
      row = await this.o.store.update(row.id, {
        sandbox_id: health.sandboxId,
        last_update_json: JSON.stringify(
          outcome(null, manifest.version, 'installed', health.reason),
        ),
      });
    }
    const result = waits ? 'pending_consent' : 'installed';
    await this.o.journal.tell(
      caller,
      row,
      result === 'installed' ? 'installed' : 'pending_consent',
      `version ${manifest.version_label} ${result === 'installed' ? 'installed' : 'waits for consent'}`,
      {
        version: manifest.version,
        tier,
        added: waits ? beyond : [],
      },
    );
    return { outcome: result, row } as const;
  }

  /** The user consents to the pending version (and to optional grants). */
  async consent(
    caller: Caller,
    row: UserspaceRow,
    version: number | undefined,
    grant: Capability[],
  ) {
    return this.o.queue.run(row.id, async () => {
      const fresh = (await this.o.store.get(row.id))!;
      const pending = pendingOf(fresh);
      if (version !== undefined && pending?.diff.version !== version) {
        throw new PaddockError('conflict', `version ${version} is not the one waiting for consent`);
      }
      const optional = await this.optional(fresh, pending?.diff.version);
      const unknown = grant.filter((g) => !optional.includes(g));
      if (unknown.length > 0) {
        throw new PaddockError(
          'bad_request',
          `not optional permissions of this app: ${unknown.join(', ')}`,
        );
      }
      const tier = tierOf(fresh, await this.o.store.isPinned(fresh.id));
      const refused = grant.filter((g) => this.forbidden(tier).includes(g));
      if (refused.length > 0) {
        throw new PaddockError(
          'capability_forbidden',
          `the admin forbids ${refused.join(', ')} to ${tier} apps`,
        );
      }
      const withOptional = [...new Set([...granted(fresh), ...grant])];
      let next = await this.o.store.update(fresh.id, {
        granted_json: JSON.stringify(withOptional),
      });
      if (!pending) {
        await this.o.journal.tell(
          caller,
          next,
          'consented',
          `granted ${grant.join(', ') || 'nothing new'}`,
          {
            granted: grant,
          },
        );
        return next;
      }
      if (pending.diff.version === fresh.version) {
        // A first install that waited: it has its files; it may run now.
        next = await this.o.store.update(fresh.id, {
          pending_json: null,
          granted_json: JSON.stringify([...new Set([...withOptional, ...pending.diff.added])]),
          last_update_json: JSON.stringify(outcome(null, fresh.version, 'installed', null)),
        });
        if (next.app_type === 'service') {
          const health = await this.o.gate.check(next, next.version);
          next = await this.o.store.update(next.id, { sandbox_id: health.sandboxId });
        }
        await this.o.journal.tell(
          caller,
          next,
          'consented',
          `consented to ${pending.diff.added.join(', ')}`,
          { version: fresh.version, granted: pending.diff.added },
        );
        return next;
      }
      await this.o.journal.tell(
        caller,
        next,
        'consented',
        `consented to ${pending.diff.added.join(', ')}`,
        {
          version: pending.diff.version,
          granted: pending.diff.added,
        },
      );
      return (await this.apply(caller, next, pending, pending.diff.added)).row;
    });
  }

  /**
   * Moves the app to the pending version: its data copied aside, the files swapped in, and for
   * a service app the health gate; a failure puts the old code and the data back.
   */
  private async apply(
    caller: Caller,
    row: UserspaceRow,
    pending: PendingVersion,
    grants: Capability[],
    listing?: PackageListing,
  ) {
    const from = row.version;
    const to = pending.diff.version;
    await this.o.host.snapshotData(row, to);
    await this.extract(row.id, to, listing);
    // Holding the data gate: a call of the old version under way lands before the switch.
    let next = await this.o.host.switchVersion(row, (tx) =>
      this.o.store.update(
        row.id,
        {
          version: to,
          pending_json: null,
          granted_json: JSON.stringify([...new Set([...granted(row), ...grants])]),
          source_json: JSON.stringify(pending.source),
          provenance: pending.provenance,
          gate_json: row.app_type === 'service' ? this.o.gate.open(row, from, to).json : null,
        },
        tx,
      ),
    );
    failpoint('userspace.recorded');
    if (next.app_type === 'service' && runs(next)) {
      const health = await this.o.gate.check(next, to);
      next = await this.o.store.update(next.id, { sandbox_id: health.sandboxId });
      if (health.reason !== null) {
        return {
          outcome: 'rolled_back',
          row: await this.o.gate.fail(caller, next, health.reason),
        } as const;
      }
    }
    next = await this.o.gate.pass(next, outcome(from, to, 'updated', null));
    await this.keepOnly(next);
    await this.o.journal.tell(caller, next, 'updated', `updated from version ${from} to ${to}`, {
      from,
      to,
      added: pending.diff.added,
      removed: pending.diff.removed,
    });
    return { outcome: 'updated', row: next } as const;
  }

  /** Back to the previous version, and its data when asked. */
  async rollback(caller: Caller, row: UserspaceRow, restoreData: boolean): Promise<UserspaceRow> {
    return this.o.queue.run(row.id, async () => {
      const fresh = (await this.o.store.get(row.id))!;
      const previous = this.o.files.code.previous(fresh.id);
      if (previous === null)
        throw new PaddockError('conflict', `app ${fresh.id} has no previous version`);
      const from = fresh.version;
      if (restoreData && !this.o.host.hasDataSnapshot(fresh, from)) {
        throw new PaddockError('conflict', `no data snapshot was taken before version ${from}`);
      }
      this.o.files.code.rollback(fresh.id);
      failpoint('userspace.rollback.pointed');
      // The switch is recorded with the data put back, holding the app's data gate: no call
      // of the version left behind lands after the restore (ADR 0024).
      let next = fresh;
      const record = async (tx: Db) => {
        failpoint('userspace.rollback.restored');
        next = await this.o.store.update(
          fresh.id,
          {
            version: previous,
            pending_json: null,
            last_update_json: JSON.stringify(outcome(from, previous, 'rolled_back', 'requested')),
          },
          tx,
        );
      };
      const restoreDataOf = restoreData ? from : undefined;
      if (fresh.app_type === 'service' && runs(fresh))
        await this.o.host.deploy(fresh, previous, { restoreDataOf, record });
      else await this.o.host.switchVersion(fresh, record, restoreDataOf);
      failpoint('userspace.rollback.recorded');
      await this.o.journal.tell(
        caller,
        next,
        'rolled_back',
        `rolled back from version ${from} to ${previous}`,
        { from, to: previous, restore_data: restoreData },
      );
      return next;
    });
  }

  /**
   * Extracts a kept package: with the listing of the pass that checked it (the file was only
   * renamed since), else read through again first (a pending version, checked when it came).
   * Either way every byte is checked against the listing as it is written.
   */
  private async extract(appId: string, version: number, listing?: PackageListing): Promise<void> {
    const file = this.o.files.packageFile(appId, version);
    const checked = listing ?? (await openPackage(file, { private: true })).listing;
    await this.o.files.code.install(appId, version, (staging) =>
      extractPackage(file, checked, staging),
    );
  }

  /** Keeps the packages of the current, previous and pending versions; the rest go. */
  private async keepOnly(row: UserspaceRow): Promise<void> {
    const keep = this.o.files.keptVersions(row.id);
    const pending = pendingOf(row);
    if (pending) keep.push(pending.diff.version);
    await this.o.store.keepVersions(row.id, keep);
    this.o.files.pruneVersions(row.id, keep);
  }

  private async required(row: UserspaceRow): Promise<string[]> {
    const v = await this.o.store.version(row.id, row.version);
    return v ? manifestOf(v).permissions : [];
  }

  private async optional(row: UserspaceRow, pendingVersion: number | undefined): Promise<string[]> {
    const v = await this.o.store.version(row.id, pendingVersion ?? row.version);
    return v ? manifestOf(v).optional_permissions : [];
  }

  private forbidden(tier: ProvenanceTier): string[] {
    return this.o.settings.get().userspace_forbidden_capabilities[tier] ?? [];
  }
}

function outcome(
  from: number | null,
  to: number,
  what: UpdateOutcome['outcome'],
  reason: string | null,
): UpdateOutcome {
  return {
    from_version: from,
    to_version: to,
    outcome: what,
    reason,
    at: new Date().toISOString(),
  };
}
