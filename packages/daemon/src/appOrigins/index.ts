import type { FastifyBaseLogger } from 'fastify';
import { AppOriginServer, AppsAddress, BundleTokens, domainsOverlap } from '@paddock/app-origin';
import type { AppSessions } from '@paddock/broker';
import { stateKey } from '@paddock/keys';
import type { AuditLog } from '../audit/auditLog.js';
import type { ApiKeyStore } from '../auth/apiKeyStore.js';
import type { ListenAddress } from '../http/listenAddress.js';
import type { RouteInstaller } from '../http/routes.js';
import type { SettingsStore } from '../settings/settingsStore.js';
import type { UserspaceFiles } from '../userspace/userspaceFiles.js';
import type { UserspaceService } from '../userspace/userspaceService.js';
import type { UserspaceStore } from '../userspace/userspaceStore.js';
import { userspaceBundles } from './appBundles.js';
import { launchRoutes } from './launchRoutes.js';

/**
 * Installed web apps on origins of their own: `{appId}.apps.<base>` served by
 * `@paddock/app-origin` on the daemon's one listener (before the API sees a request), and the
 * launch route that opens a window: a bundle URL with a token in its path, and an app session.
 */
export function createAppOrigins(d: {
  /** `PADDOCK_APPS_URL`; unset: `http://apps.localhost:<the daemon's port>`. */
  appsUrl: string | undefined;
  /** The preview domain, which must not share names with the apps domain. */
  previewDomain: string;
  listen: ListenAddress;
  stateDir: string;
  store: UserspaceStore;
  files: UserspaceFiles;
  service: UserspaceService;
  settings: SettingsStore;
  apiKeys: ApiKeyStore;
  appSessions: AppSessions;
  audit: AuditLog;
  log: FastifyBaseLogger;
}) {
  const fixed = d.appsUrl === undefined ? undefined : new AppsAddress(d.appsUrl);
  const domain = fixed?.domain ?? 'apps.localhost';
  if (domainsOverlap(domain, d.previewDomain)) {
    throw new Error(
      `PADDOCK_APPS_URL's domain (${domain}) must not overlap the preview domain (${d.previewDomain})`,
    );
  }
  let made: { port: number; address: AppsAddress } | undefined;
  const address = (): AppsAddress => {
    if (fixed) return fixed;
    // The daemon's own port is only known once it listens (PADDOCK_PORT=0 picks one).
    const port = d.listen.port;
    if (made?.port !== port)
      made = { port, address: new AppsAddress(`http://apps.localhost:${port}`) };
    return made.address;
  };
  const tokens = new BundleTokens(stateKey(d.stateDir, 'app-bundle-key'));
  const server = new AppOriginServer({
    address,
    tokens,
    bundles: userspaceBundles(d),
    log: d.log.child({ component: 'app-origin' }),
  });
  const routes: RouteInstaller = async (app) => {
    await app.register(launchRoutes, {
      ...{ service: d.service, store: d.store, address, tokens },
      ...{ sessions: d.appSessions, audit: d.audit },
    });
  };
  return { server, address, routes };
}
