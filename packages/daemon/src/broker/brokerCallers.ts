import type { FastifyRequest } from 'fastify';
import type { AppSessions, BrokerCaller, Standing } from '@paddock/broker';
import { VerifiedSessions } from './verifiedSessions.js';
import { APP_SESSION_HEADER, PaddockError } from '@paddock/shared';
import { requestCredential } from '../auth/requestCredential.js';
import { actorOf } from '../http/principal.js';
import type { SettingsStore } from '../settings/settingsStore.js';
import type { UserspaceRow, UserspaceStore } from '../userspace/userspaceStore.js';
import { granted, manifestOf, runs, tierOf } from '../userspace/userspaceView.js';

/**
 * Who a broker call comes from, from its credentials alone (never from the message):
 * - a person's principal (session cookie or bearer token) with an app session issued for that
 *   same credential and key, naming an app whose version in use is the session's and that runs;
 * - a sandbox's own token, when that sandbox is an installed, running service app's.
 * Anything else is refused: 401 without valid credentials, 403 for a principal that speaks for
 * no app, 404 for an app that is gone, 409 for one that does not run (`conflict`) or whose
 * version in use is no longer the session's (`app_version_changed`).
 */
export class BrokerCallers {
  private readonly rows = new WeakMap<BrokerCaller, { row: UserspaceRow; pinned: boolean }>();
  private readonly verified = new VerifiedSessions();
  private readonly declared = new Map<string, readonly string[]>();

  constructor(
    private readonly o: {
      store: UserspaceStore;
      sessions: AppSessions;
      settings: SettingsStore;
    },
  ) {}

  async resolve(request: FastifyRequest): Promise<BrokerCaller> {
    const p = request.principal;
    if (!p) throw new PaddockError('unauthorized', 'a bearer token is required');
    const header = request.headers[APP_SESSION_HEADER];
    const session = typeof header === 'string' ? header : undefined;
    if (p.role === 'sandbox') {
      if (session !== undefined) {
        throw new PaddockError('forbidden', 'a sandbox token calls as its service app only');
      }
      const found = p.sandbox ? await this.o.store.withPin({ sandboxId: p.sandbox.id }) : undefined;
      const row = found?.row;
      if (!found || !row || row.app_type !== 'service' || row.trashed_at !== null) {
        throw new PaddockError('forbidden', 'this sandbox is not an installed service app’s');
      }
      if (!runs(row)) throw new PaddockError('conflict', `app ${row.id} is not running`);
      return this.keep(
        { appId: row.id, version: row.version, via: 'service', actor: actorOf(request) },
        found,
      );
    }
    if (session === undefined) {
      throw new PaddockError(
        'forbidden',
        `a broker call needs an app session (${APP_SESSION_HEADER}) or a service app’s sandbox token`,
      );
    }
    const claims = await this.verified.verify(
      this.o.sessions,
      session,
      requestCredential(request) ?? '',
    );
    if (!claims || claims.keyId !== p.keyId) {
      throw new PaddockError('unauthorized', 'the app session is not valid for this sign-in');
    }
    const found = await this.o.store.withPin({ id: claims.appId });
    const row = found?.row;
    if (!found || !row || row.trashed_at !== null) {
      throw new PaddockError('not_found', `no userspace app ${claims.appId}`);
    }
    if (!runs(row)) throw new PaddockError('conflict', `app ${row.id} is not running`);
    if (row.version !== claims.version) throw versionChanged(row.id);
    return this.keep(
      { appId: row.id, version: row.version, via: 'window', actor: actorOf(request) },
      found,
    );
  }

  /**
   * The caller's app, read again, still runs the version the call speaks for. A data call asks
   * this holding the app's data gate, which every switch of its version holds exclusively: so
   * a call resolved just before a rollback cannot write after the data went back (ADR 0024).
   */
  async assertInUse(caller: BrokerCaller): Promise<void> {
    const row = await this.o.store.get(caller.appId);
    if (!row || row.trashed_at !== null) {
      throw new PaddockError('not_found', `no userspace app ${caller.appId}`);
    }
    if (!runs(row)) throw new PaddockError('conflict', `app ${row.id} is not running`);
    if (row.version !== caller.version) throw versionChanged(row.id);
  }

  /** The app's standing for the broker: its row as read for this call, and the settings now. */
  async standing(caller: BrokerCaller): Promise<Standing> {
    const found = this.rows.get(caller) ?? (await this.o.store.withPin({ id: caller.appId }));
    if (!found) throw new PaddockError('not_found', `no userspace app ${caller.appId}`);
    const { row, pinned } = found;
    const tier = tierOf(row, pinned);
    const forbidden = this.o.settings.get().userspace_forbidden_capabilities[tier] ?? [];
    return { tier, granted: granted(row), forbidden, declared: await this.declaredOf(row) };
  }

  private keep(caller: BrokerCaller, found: { row: UserspaceRow; pinned: boolean }): BrokerCaller {
    this.rows.set(caller, found);
    return caller;
  }

  /** What the version in use declares (a version's manifest never changes, so it is cached). */
  private async declaredOf(row: UserspaceRow): Promise<readonly string[]> {
    const key = `${row.id}@${row.version}`;
    let d = this.declared.get(key);
    if (!d) {
      const v = await this.o.store.version(row.id, row.version);
      const m = v ? manifestOf(v) : null;
      d = m ? [...m.permissions, ...m.optional_permissions] : [];
      if (this.declared.size > 1000) this.declared.clear();
      this.declared.set(key, d);
    }
    return d;
  }
}

function versionChanged(appId: string): PaddockError {
  return new PaddockError(
    'app_version_changed',
    `app ${appId} is no longer at the version this call speaks for (updated or rolled back); open it again`,
  );
}
