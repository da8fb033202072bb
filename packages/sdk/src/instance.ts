import { ROUTES } from './routeTable.js';
import type { BodyOf, QueryOf } from './routeTypes.js';
import type { Transport } from './transport.js';

type Signal = { signal?: AbortSignal };

/** The daemon itself: its limits, lifecycle settings, owner quotas, API keys and audit log. */
export class Instance {
  constructor(private readonly transport: Transport) {}

  /** The daemon, its driver and the sandbox limits in force. */
  info(options: Signal = {}) {
    return this.transport.call(ROUTES.system.info, { signal: options.signal });
  }

  /** Who the token is (owner and role). */
  whoami(options: Signal = {}) {
    return this.transport.call(ROUTES.session.get, { signal: options.signal });
  }

  settings(options: Signal = {}) {
    return this.transport.call(ROUTES.settings.get, { signal: options.signal });
  }

  /** Changes lifecycle settings (admin). */
  updateSettings(change: BodyOf<typeof ROUTES.settings.patch>, options: Signal = {}) {
    return this.transport.call(ROUTES.settings.patch, { body: change, signal: options.signal });
  }

  /** Every known owner with its quotas in force and usage (admin). */
  async owners(options: Signal = {}) {
    return (await this.transport.call(ROUTES.quotas.list, { signal: options.signal })).items;
  }

  /** One owner's quotas: each limit, whether it is the default or an override, and usage (admin). */
  ownerQuotas(owner: string, options: Signal = {}) {
    return this.transport.call(ROUTES.quotas.get, { params: { owner }, signal: options.signal });
  }

  /** Sets some of an owner's quota overrides; null clears one (admin). */
  setOwnerQuotas(owner: string, change: BodyOf<typeof ROUTES.quotas.patch>, options: Signal = {}) {
    return this.transport.call(ROUTES.quotas.patch, {
      params: { owner },
      body: change,
      signal: options.signal,
    });
  }

  /** Clears every quota override of an owner: the default settings apply again (admin). */
  clearOwnerQuotas(owner: string, options: Signal = {}) {
    return this.transport.call(ROUTES.quotas.clear, { params: { owner }, signal: options.signal });
  }

  /** Creates an API key; its token is in this answer only. */
  createApiKey(body: BodyOf<typeof ROUTES.apiKeys.create>, options: Signal = {}) {
    return this.transport.call(ROUTES.apiKeys.create, { body, signal: options.signal });
  }

  async apiKeys(options: Signal = {}) {
    return (await this.transport.call(ROUTES.apiKeys.list, { signal: options.signal })).items;
  }

  async revokeApiKey(keyId: string, options: Signal = {}): Promise<void> {
    await this.transport.call(ROUTES.apiKeys.revoke, {
      params: { id: keyId },
      signal: options.signal,
    });
  }

  /**
   * Rebuilds the presets' and tools' dependency caches from the pinned lockfiles and moves each
   * app whose lockfile allows it to its preset's current one; `dry_run` changes nothing,
   * `prune` also removes cache entries nothing uses (admin). Waits until done.
   */
  updateDependencies(body: BodyOf<typeof ROUTES.presets.update> = {}, options: Signal = {}) {
    return this.transport.call(ROUTES.presets.update, { body, signal: options.signal });
  }

  /** Audit entries, newest first (admin). */
  audit(query: QueryOf<typeof ROUTES.audit.list> = {}, options: Signal = {}) {
    return this.transport.call(ROUTES.audit.list, { query, signal: options.signal });
  }
}
