import { ROUTES } from './routeTable.js';
import type { BodyOf, QueryOf, ReplyOf } from './routeTypes.js';
import type { RawBody, Transport } from './transport.js';

type Signal = { signal?: AbortSignal };
export type UserspaceApp = ReplyOf<typeof ROUTES.userspaceApps.get>;
export type InstallResult = ReplyOf<typeof ROUTES.userspaceApps.install>;

/** Userspace apps: signed `.paddockapp` packages installed with least privilege. */
export class Userspace {
  constructor(private readonly transport: Transport) {}

  list(query: QueryOf<typeof ROUTES.userspaceApps.list> = {}, options: Signal = {}) {
    return this.transport.call(ROUTES.userspaceApps.list, { query, signal: options.signal });
  }

  get(appId: string, options: Signal = {}): Promise<UserspaceApp> {
    return this.transport.call(ROUTES.userspaceApps.get, {
      params: { id: appId },
      signal: options.signal,
    });
  }

  /**
   * Installs or updates from a `.paddockapp` (bytes or a stream). An update that asks for more
   * than was granted waits for `consent`; the result says which.
   */
  async install(
    pkg: RawBody,
    query: QueryOf<typeof ROUTES.userspaceApps.install> = {},
    options: Signal = {},
  ): Promise<InstallResult> {
    const res = await this.transport.send(ROUTES.userspaceApps.install, {
      query,
      body: pkg,
      contentType: 'application/vnd.paddock.app',
      signal: options.signal,
    });
    return (await res.json()) as InstallResult;
  }

  /** Uninstalls: the app goes to the trash with its data (or `purge`s it). */
  async uninstall(
    appId: string,
    query: QueryOf<typeof ROUTES.userspaceApps.delete> = {},
    options: Signal = {},
  ): Promise<void> {
    await this.transport.call(ROUTES.userspaceApps.delete, {
      params: { id: appId },
      query,
      signal: options.signal,
    });
  }

  /** What it may do: its ceiling, what is forbidden, required, optional, granted. */
  permissions(appId: string, options: Signal = {}) {
    return this.transport.call(ROUTES.userspaceApps.permissions, {
      params: { id: appId },
      signal: options.signal,
    });
  }

  /** Grants what the pending version asks for, and activates it. */
  consent(appId: string, body: BodyOf<typeof ROUTES.userspaceApps.consent>, options: Signal = {}) {
    return this.transport.call(ROUTES.userspaceApps.consent, {
      params: { id: appId },
      body,
      signal: options.signal,
    });
  }

  /** Returns to the previous version. */
  rollback(
    appId: string,
    body: BodyOf<typeof ROUTES.userspaceApps.rollback>,
    options: Signal = {},
  ) {
    return this.transport.call(ROUTES.userspaceApps.rollback, {
      params: { id: appId },
      body,
      signal: options.signal,
    });
  }

  enable(appId: string, options: Signal = {}) {
    return this.transport.call(ROUTES.userspaceApps.enable, {
      params: { id: appId },
      signal: options.signal,
    });
  }

  disable(appId: string, options: Signal = {}) {
    return this.transport.call(ROUTES.userspaceApps.disable, {
      params: { id: appId },
      signal: options.signal,
    });
  }
}
