import {
  failpoint,
  DEFAULT_SETTINGS,
  type PatchSettingsBody,
  type Settings,
  type SettingsView,
} from '@paddock/shared';
import type { Db } from '../store/database.js';

/**
 * Persisted daemon settings over their defaults. Reads come from memory, so the lifecycle loop
 * can consult them every tick; a PATCH writes through and is in force at once.
 */
export class SettingsStore {
  private current: Settings = { ...DEFAULT_SETTINGS };
  /** Keys with a row in the database; every other key is at its default. */
  private readonly stored = new Set<string>();

  constructor(private readonly db: Db) {}

  async load(): Promise<Settings> {
    const rows = await this.db.selectFrom('settings').selectAll().execute();
    const stored: Record<string, unknown> = {};
    for (const r of rows) {
      if (!Object.hasOwn(DEFAULT_SETTINGS, r.key)) continue;
      stored[r.key] = JSON.parse(r.value_json);
      this.stored.add(r.key);
    }
    this.current = { ...DEFAULT_SETTINGS, ...(stored as Partial<Settings>) };
    return this.get();
  }

  get(): Settings {
    return { ...this.current };
  }

  /** The settings in force, each with where its value comes from (what the API answers). */
  view(): SettingsView {
    const sources = Object.fromEntries(
      Object.keys(DEFAULT_SETTINGS).map((key) => [
        key,
        this.stored.has(key) ? ('stored' as const) : ('default' as const),
      ]),
    );
    return { ...this.get(), sources };
  }

  /** Applies a validated patch in one transaction; returns the settings now in force. */
  async update(patch: PatchSettingsBody): Promise<Settings> {
    const now = new Date().toISOString();
    const entries = Object.entries(patch).filter(([, v]) => v !== undefined);
    await this.db.transaction().execute(async (tx) => {
      for (const [key, value] of entries) {
        const value_json = JSON.stringify(value);
        await tx
          .insertInto('settings')
          .values({ key, value_json, updated_at: now })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value_json, updated_at: now }))
          .execute();
        failpoint('settings.update.writing');
      }
    });
    failpoint('settings.update.committed');
    this.current = { ...this.current, ...Object.fromEntries(entries) };
    for (const [key] of entries) this.stored.add(key);
    return this.get();
  }
}
