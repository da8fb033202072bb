import fs from 'node:fs';
import type { FastifyBaseLogger } from 'fastify';
import { EgressProxy, parseResolveOverrides, type EgressCa } from '@paddock/egress';
import type { RuntimeManifest, SandboxDriver } from '@paddock/shared';
import type { AppConfigService } from '../appConfig/appConfigService.js';
import type { AppStore } from '../apps/appStore.js';
import type { AuditLog } from '../audit/auditLog.js';
import { ConfigError } from '../config.js';
import type { EventLog } from '../events/eventLog.js';
import type { ControlPlane } from '../http/controlPlane.js';
import type { ListenAddress } from '../http/listenAddress.js';
import type { RouteInstaller } from '../http/routes.js';
import type { SandboxLifecycle } from '../sandboxes/sandboxLifecycle.js';
import type { SandboxService } from '../sandboxes/sandboxService.js';
import type { SandboxRow } from '../sandboxes/sandboxStore.js';
import type { SettingsStore } from '../settings/settingsStore.js';
import type { Db } from '../store/database.js';
import { EgressBaseline, withBaseline } from './egressBaseline.js';
import { DenialAudit } from './denialAudit.js';
import { DenialFeed } from './denialFeed.js';
import { EgressPolicyStore } from './egressPolicyStore.js';
import { egressRoutes, type GrantedRules } from './egressRoutes.js';

export { EgressCa } from '@paddock/egress';

export type { GrantedRules } from './egressRoutes.js';
export { sandboxTrust } from './sandboxTrust.js';

/**
 * Egress: each sandbox's default-deny proxy (policies by name, TLS terminated only for hosts a
 * secret is injected for), the baseline its manifest allows, and the API of its allow and deny
 * lists.
 */
export function createEgress(d: {
  db: Db;
  ca: EgressCa;
  driver: SandboxDriver;
  lifecycle: SandboxLifecycle;
  sandboxes: SandboxService;
  apps: AppStore;
  appConfig: AppConfigService;
  settings: SettingsStore;
  listen: ListenAddress;
  /** Where requests for `paddock.internal` go: the API's listener for sandboxes. */
  controlPlane: ControlPlane;
  /** `PADDOCK_EGRESS_RESOLVE` and `PADDOCK_EGRESS_UPSTREAM_CA`: development and tests. */
  resolve: string | undefined;
  upstreamCaFile: string | undefined;
  events: EventLog;
  audit: AuditLog;
  log: FastifyBaseLogger;
}) {
  const policies = new EgressPolicyStore(d.db);
  // The manifest each running sandbox runs from, as the runtime applied it: its baseline.
  const manifests = new Map<string, RuntimeManifest | null>();
  d.lifecycle.on('manifestApplied', (id, manifest) => manifests.set(id, manifest));
  const baseline = new EgressBaseline((id) => manifests.get(id) ?? null);
  // The preset of each attached sandbox (and whether it is an app's): the baseline's default.
  const owners = new Map<string, { preset: string | null; app: boolean }>();
  const overrides = configured(() => parseResolveOverrides(d.resolve));
  const denialAudit = new DenialAudit({
    audit: d.audit,
    owners: async (ids) => {
      if (ids.length === 0) return new Map();
      const rows = await d.db
        .selectFrom('sandboxes')
        .select(['id', 'owner_id'])
        .where('id', 'in', ids)
        .execute();
      return new Map(rows.map((r) => [r.id, r.owner_id]));
    },
    log: d.log,
  });
  const denials = new DenialFeed(denialAudit.push);
  // A userspace service app's sandbox is held to the network: origins its user granted and to
  // nothing set by hand; the userspace module (made after this one) answers for its sandboxes.
  let granted: GrantedRules = () => Promise.resolve(null);
  const proxy = new EgressProxy({
    ...d,
    policyFor: async (row) =>
      withBaseline(
        (await granted(row.id)) ?? (await policies.forSandbox(row)),
        baseline.hosts(row.id, owners.get(row.id) ?? { preset: null, app: false }),
      ),
    injectionsFor: (row) =>
      row.app_id === null ? Promise.resolve([]) : d.appConfig.injections(row.app_id),
    ...upstreamCa(d.upstreamCaFile),
    overrides,
    daemonPort: () => d.listen.port,
    controlPlane: () => d.controlPlane.address(),
    connectionsMax: () => d.settings.get().egress_connections_max,
    log: d.log.child({ component: 'egress' }),
    denials: denials.sink,
  });
  const attach = (row: SandboxRow) => {
    owners.set(row.id, { preset: row.preset, app: row.app_id !== null });
    return proxy.attach(row).catch((err: unknown) => {
      d.log.warn({ err, sandbox_id: row.id }, 'offering the egress proxy failed');
    });
  };
  d.lifecycle.on('booted', attach);
  d.lifecycle.on('adopted', attach);
  d.lifecycle.on('ended', (id) => {
    owners.delete(id);
    manifests.delete(id);
    proxy.detach(id);
  });
  d.lifecycle.on('deleted', (id) => {
    denials.forget(id);
    policies.remove(`sandbox:${id}`).catch((err: unknown) => {
      d.log.warn({ err, sandbox_id: id }, "removing a deleted sandbox's egress policy failed");
    });
  });
  const routes: RouteInstaller = async (app) => {
    const { apps, sandboxes, audit } = d;
    await app.register(egressRoutes, {
      ...{ policies, baseline, apps, sandboxes, audit, denials },
      granted: (sandboxId) => granted(sandboxId),
    });
  };
  return {
    proxy,
    routes,
    /** Every egress denial's audit entry, written in batches; closed after the proxy. */
    denialAudit,
    /** Adds a host to an app's own allow list (an import names its repository's host). */
    async allowHost(owner: string, appId: string, host: string): Promise<void> {
      const own = await policies.get(`app:${appId}`);
      if (own.allow.includes(host)) return;
      await policies.put(`app:${appId}`, owner, { allow: [...own.allow, host], deny: own.deny });
    },
    /** Who holds the egress of userspace apps' sandboxes: their grants, not their owner. */
    governSandboxes(rules: GrantedRules) {
      granted = rules;
    },
  };
}

function upstreamCa(file: string | undefined): { upstreamCa?: string } {
  if (file === undefined) return {};
  return {
    upstreamCa: configured(
      () => fs.readFileSync(file, 'utf8'),
      `PADDOCK_EGRESS_UPSTREAM_CA: cannot read ${file}: `,
    ),
  };
}

/** A bad setting stops the start with a ConfigError that names it. */
function configured<T>(read: () => T, prefix = ''): T {
  try {
    return read();
  } catch (err) {
    throw new ConfigError(`${prefix}${(err as Error).message}`);
  }
}
