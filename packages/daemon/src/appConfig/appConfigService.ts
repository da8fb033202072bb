import {
  failpoint,
  PaddockError,
  type CreateConfigBody,
  type InjectRule,
  type PatchConfigBody,
  injectionEncodedForms,
  injectionHeaderValue,
} from '@paddock/shared';
// A sensitive value the egress proxy puts into requests to its hosts: the proxy's shape.
import type { Injection } from '@paddock/egress';
import type { AppStore } from '../apps/appStore.js';
import type { EventLog } from '../events/eventLog.js';
import { sealPlace, type SecretsService } from '../secrets/secretsService.js';
import type { AppConfigStore, ConfigRow } from './appConfigStore.js';

export interface AppConfigServiceOptions {
  store: AppConfigStore;
  apps: AppStore;
  secrets: SecretsService;
  events: EventLog;
}

/** Names the runtime sets itself, or that would change how every program in the sandbox runs. */
const RESERVED = new Set(['PATH', 'HOME', 'USER', 'SHELL', 'PWD', 'PORT', 'HOST', 'NODE_OPTIONS']);
const RESERVED_PREFIXES = ['PADDOCK_', 'LD_'];

/** What a process sees instead of a sensitive value; the egress proxy puts the real one in. */
export function secretPlaceholder(key: string): string {
  return `paddock-secret:${key}`;
}

/**
 * An app's config: plain values, and sensitive ones that are sealed at once, never returned,
 * and never put into a sandbox (processes see a placeholder). Every change is an event that
 * names the key, never the value.
 */
export class AppConfigService {
  /** Each app's opened injections, read once; every config change clears its entry. */
  private readonly injectionCache = new Map<string, Promise<Injection[]>>();

  constructor(private readonly o: AppConfigServiceOptions) {}

  async list(owner: string, appId: string): Promise<ConfigRow[]> {
    await this.app(owner, appId);
    return this.o.store.list(appId);
  }

  async create(owner: string, appId: string, body: CreateConfigBody): Promise<ConfigRow> {
    const app = await this.app(owner, appId);
    assertUsableKey(body.key);
    if (await this.o.store.get(appId, body.key)) {
      throw new PaddockError('already_exists', `config key ${body.key} is already set; PATCH it`);
    }
    const sensitive = body.sensitive === true;
    if (!sensitive && body.inject) {
      throw new PaddockError(
        'bad_request',
        'only sensitive values are injected by the egress proxy',
      );
    }
    if (body.inject) assertHeaderSafe(`${body.inject.format}${body.value}`);
    const now = new Date().toISOString();
    const row: ConfigRow = {
      app_id: appId,
      owner_id: app.owner_id,
      key: body.key,
      sensitive: sensitive ? 1 : 0,
      value: sensitive ? null : body.value,
      sealed: sensitive ? this.o.secrets.seal(body.value, sealPlace(appId, body.key)) : null,
      access_policy: body.access_policy ?? (sensitive ? 'control_plane_only' : 'runtime_access'),
      inject_json: body.inject ? JSON.stringify(body.inject) : null,
      created_at: now,
      updated_at: now,
    };
    await this.o.store.insert(row);
    failpoint('config.written');
    await this.changed(owner, appId, 'config.set', row);
    return row;
  }

  async patch(
    owner: string,
    appId: string,
    key: string,
    body: PatchConfigBody,
  ): Promise<ConfigRow> {
    await this.app(owner, appId);
    const row = await this.o.store.get(appId, key);
    if (!row) throw new PaddockError('not_found', `no config key ${key}`);
    if (row.sensitive === 0 && body.inject) {
      throw new PaddockError(
        'bad_request',
        'only sensitive values are injected by the egress proxy',
      );
    }
    const injected = body.inject !== undefined ? body.inject !== null : row.inject_json !== null;
    if (injected && body.value !== undefined) assertHeaderSafe(body.value);
    if (body.inject) assertHeaderSafe(body.inject.format);
    const updated = await this.o.store.update(appId, key, {
      ...(body.value === undefined
        ? {}
        : row.sensitive === 1
          ? { sealed: this.o.secrets.seal(body.value, sealPlace(appId, key)) }
          : { value: body.value }),
      ...(body.access_policy === undefined ? {} : { access_policy: body.access_policy }),
      ...(body.inject === undefined
        ? {}
        : { inject_json: body.inject === null ? null : JSON.stringify(body.inject) }),
    });
    await this.changed(owner, appId, 'config.updated', updated);
    return updated;
  }

  async delete(owner: string, appId: string, key: string): Promise<void> {
    await this.app(owner, appId);
    const row = await this.o.store.get(appId, key);
    if (!row || !(await this.o.store.remove(appId, key))) {
      throw new PaddockError('not_found', `no config key ${key}`);
    }
    await this.changed(owner, appId, 'config.deleted', row);
  }

  /**
   * The environment the app's processes (`runtime`) or its agent tasks (`agent`) get: the plain
   * values their policy allows, and a placeholder for each sensitive one (the value itself never
   * enters the sandbox).
   */
  async envFor(appId: string, audience: 'runtime' | 'agent'): Promise<Record<string, string>> {
    const allowed = audience === 'runtime' ? 'runtime_access' : 'agent_access';
    const env: Record<string, string> = {};
    for (const row of await this.o.store.list(appId)) {
      if (row.access_policy !== allowed && row.access_policy !== 'both') continue;
      env[row.key] = row.sensitive === 1 ? secretPlaceholder(row.key) : (row.value ?? '');
    }
    return env;
  }

  /**
   * The app's sensitive values that have an injection rule and may leave the daemon (every
   * policy but control_plane_only), opened, for the egress proxy only. A value that does not
   * open (the master key changed) is left out, so its placeholder goes out unchanged.
   */
  injections(appId: string): Promise<Injection[]> {
    let cached = this.injectionCache.get(appId);
    if (!cached) {
      cached = this.readInjections(appId);
      cached.catch(() => this.injectionCache.delete(appId));
      this.injectionCache.set(appId, cached);
    }
    return cached;
  }

  private async readInjections(appId: string): Promise<Injection[]> {
    const out: Injection[] = [];
    for (const row of await this.o.store.list(appId)) {
      if (row.sensitive !== 1 || row.sealed === null || row.inject_json === null) continue;
      if (row.access_policy === 'control_plane_only') continue;
      let value: string;
      try {
        value = this.o.secrets.open(row.sealed, sealPlace(appId, row.key));
      } catch {
        continue;
      }
      const rule = JSON.parse(row.inject_json) as InjectRule;
      const headerValue = injectionHeaderValue(rule.format, value);
      if (!HEADER_VALUE.test(headerValue)) continue;
      out.push({
        key: row.key,
        hosts: rule.hosts,
        header: rule.header.toLowerCase(),
        headerValue,
        secret: value,
        encoded: injectionEncodedForms(rule.format, value),
      });
    }
    return out;
  }

  private async app(owner: string, appId: string) {
    const app = await this.o.apps.get(owner, appId);
    if (!app) throw new PaddockError('not_found', `no app ${appId}`);
    return app;
  }

  private async changed(owner: string, appId: string, type: string, row: ConfigRow) {
    this.injectionCache.delete(appId);
    const app = await this.o.apps.get(owner, appId);
    await this.o.events.append({
      owner,
      sandboxId: app?.sandbox_id ?? null,
      type,
      message: `Config ${row.key} ${type === 'config.deleted' ? 'deleted' : 'set'}`,
      // The key and its policy; never the value, sealed or not.
      payload: {
        app_id: appId,
        key: row.key,
        sensitive: row.sensitive === 1,
        access_policy: row.access_policy,
      },
    });
  }
}

/** What Node sends in a header value: tab, visible ASCII, space and Latin-1 (no CR, LF, NUL). */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** A value the proxy puts into a header must be one Node will send, and not end it early. */
function assertHeaderSafe(value: string): void {
  if (!HEADER_VALUE.test(value)) {
    throw new PaddockError(
      'bad_request',
      'a value injected into a header may hold only tab, printable ASCII and Latin-1 characters',
    );
  }
}

function assertUsableKey(key: string): void {
  if (
    RESERVED.has(key.toUpperCase()) ||
    RESERVED_PREFIXES.some((p) => key.toUpperCase().startsWith(p))
  ) {
    throw new PaddockError('reserved_config_key', `${key} is reserved for the runtime`);
  }
}
