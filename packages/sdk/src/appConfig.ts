import { ROUTES } from './routeTable.js';
import type { BodyOf, ReplyOf } from './routeTypes.js';
import type { Transport } from './transport.js';

type Signal = { signal?: AbortSignal };
export type ConfigEntry = ReplyOf<typeof ROUTES.appConfig.set>;
export type ConfigInput = BodyOf<typeof ROUTES.appConfig.set>;
export type ConfigChange = BodyOf<typeof ROUTES.appConfig.patch>;

/**
 * An app's config and secrets. A sensitive value is sealed by the daemon and never comes back
 * (`value_set` says one is there); who may use it and where it is injected are its policy.
 */
export class AppConfig {
  constructor(
    private readonly transport: Transport,
    readonly appId: string,
  ) {}

  async list(options: Signal = {}): Promise<ConfigEntry[]> {
    const page = await this.transport.call(ROUTES.appConfig.list, {
      params: { id: this.appId },
      signal: options.signal,
    });
    return page.items;
  }

  /** Adds a value (`sensitive: true` for a secret); an existing key is `already_exists`. */
  set(entry: ConfigInput, options: Signal = {}): Promise<ConfigEntry> {
    return this.transport.call(ROUTES.appConfig.set, {
      params: { id: this.appId },
      body: entry,
      signal: options.signal,
    });
  }

  /** Changes a value, its access policy or its injection rule. */
  update(key: string, change: ConfigChange, options: Signal = {}): Promise<ConfigEntry> {
    return this.transport.call(ROUTES.appConfig.patch, {
      params: { id: this.appId, key },
      body: change,
      signal: options.signal,
    });
  }

  /** Sets a secret: added when new, replaced when there. Its value never comes back. */
  async setSecret(key: string, value: string, options: Signal = {}): Promise<ConfigEntry> {
    try {
      return await this.set({ key, value, sensitive: true }, options);
    } catch (err) {
      if ((err as { code?: string }).code !== 'already_exists') throw err;
      return this.update(key, { value }, options);
    }
  }

  async delete(key: string, options: Signal = {}): Promise<void> {
    await this.transport.call(ROUTES.appConfig.delete, {
      params: { id: this.appId, key },
      signal: options.signal,
    });
  }
}
