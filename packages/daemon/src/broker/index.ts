import type { AppSessions } from '@paddock/broker';
import { Broker, type BrokerCaller, type BrokerHandlers } from '@paddock/broker';
import { BROKER_METHODS } from '@paddock/shared';
import type { AppAgent } from '../appAgent/index.js';
import type { AuditLog } from '../audit/auditLog.js';
import type { DaemonMetrics } from '../http/metrics.js';
import type { RouteInstaller } from '../http/routes.js';
import type { SettingsStore } from '../settings/settingsStore.js';
import type { ModelAccess } from '../modelAccess/index.js';
import type { Db } from '../store/database.js';
import type { UserspaceService } from '../userspace/userspaceService.js';
import type { UserspaceStore } from '../userspace/userspaceStore.js';
import type { AppData } from './appData.js';
import { BrokerCallers } from './brokerCallers.js';
import { brokerRoutes } from './brokerRoutes.js';
import { NotificationStore } from './notifications.js';

export { createAppData, type AppData } from './appData.js';

/**
 * The capability broker's daemon side: who calls (`BrokerCallers`), the handlers over each
 * app's data (`@paddock/app-data`) and notifications, the audit of refusals and writes, the
 * count of every call, and the routes. `@paddock/broker` decides; this module supplies.
 */
export function createBrokerModule(d: {
  db: Db;
  settings: SettingsStore;
  audit: AuditLog;
  metrics: DaemonMetrics;
  appData: AppData;
  userspace: { store: UserspaceStore; service: UserspaceService };
  /** The daemon's one signer of app sessions (the launch route issues them). */
  sessions: AppSessions;
  agent: AppAgent;
  llm: ModelAccess;
}) {
  const { sessions } = d;
  const callers = new BrokerCallers({ store: d.userspace.store, sessions, settings: d.settings });
  const notifications = new NotificationStore(d.db);
  const { kv, table, files, gate } = d.appData;
  // A data call holds the app's data gate shared and checks, under it, that the app still runs
  // the caller's version: a snapshot, a restore and a version switch hold it exclusively.
  const held = <T>(c: BrokerCaller, fn: () => Promise<T>): Promise<T> =>
    gate.shared(c.appId, async () => {
      await callers.assertInUse(c);
      return fn();
    });
  const handlers: BrokerHandlers = {
    kv: {
      get: (c, p) => held(c, () => kv.get(c.appId, p)),
      set: (c, p) => held(c, () => kv.set(c.appId, p)),
      delete: (c, p) => held(c, () => kv.delete(c.appId, p)),
      list: (c, p) => held(c, () => kv.list(c.appId, p)),
    },
    table: {
      insert: (c, p) => held(c, () => table.insert(c.appId, p)),
      get: (c, p) => held(c, () => table.get(c.appId, p)),
      query: (c, p) => held(c, () => table.query(c.appId, p)),
      update: (c, p) => held(c, () => table.update(c.appId, p)),
      delete: (c, p) => held(c, () => table.delete(c.appId, p)),
    },
    files: {
      read: (c, p) => held(c, () => files.read(c.appId, p)),
      write: (c, p) => held(c, () => files.write(c.appId, p)),
      list: (c, p) => held(c, () => files.list(c.appId, p)),
      delete: (c, p) => held(c, () => files.delete(c.appId, p)),
    },
    notify: {
      notify: async (c, p) => ({
        id: await notifications.add({
          appId: c.appId,
          owner: c.actor.owner ?? '',
          title: p.title,
          body: p.body ?? '',
        }),
      }),
    },
    // A task runs as the person the app speaks for (a window's, or a service app's installer).
    agent: {
      start: (c, p) => d.agent.start(c.appId, c.actor.owner ?? '', p),
      read: (c, p) => d.agent.read(c.appId, p),
    },
    llm: { complete: (_c, p) => d.llm.complete(p) },
  };
  const label = (m: string) => (Object.hasOwn(BROKER_METHODS, m) ? m : 'unknown');
  const audit = (c: BrokerCaller, method: string, outcome: 'ok' | 'denied', more: object) =>
    void d.audit
      .record({
        actor: c.actor,
        action: 'broker.call',
        target: { type: 'userspace_app', id: c.appId },
        outcome,
        details: { method: label(method), via: c.via, version: c.version, ...more },
      })
      .catch(() => undefined);
  const broker = new Broker({
    handlers,
    standing: (c) => callers.standing(c),
    callsPerMinute: () => d.settings.get().userspace_broker_calls_per_minute,
    observer: {
      refused: (c, method, capability, code) => {
        d.metrics.brokerCalls.inc({ method: label(method), outcome: code });
        audit(c, method, 'denied', { capability, code });
      },
      wrote: (c, method, capability) => {
        d.metrics.brokerCalls.inc({ method, outcome: 'ok' });
        audit(c, method, 'ok', { capability });
      },
      read: (_c, method, _capability, code) =>
        d.metrics.brokerCalls.inc({ method, outcome: code ?? 'ok' }),
    },
  });
  const routes: RouteInstaller = async (app) => {
    await app.register(brokerRoutes, {
      ...{ broker, callers, notifications, held, appData: d.appData },
      userspace: d.userspace.service,
      audit: d.audit,
    });
  };
  return { broker, notifications, routes };
}
