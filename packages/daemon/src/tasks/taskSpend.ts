import { PaddockError } from '@paddock/shared';
import type { SettingsStore } from '../settings/settingsStore.js';
import type { TaskStore } from './taskStore.js';

/**
 * Model spend limits (the `task_spend_limit_*` settings): what an app's and an owner's agent
 * tasks may spend in a calendar month (UTC), as their CLIs report cost. A CLI that reports
 * tokens only (Codex) spends nothing here.
 */
export class TaskSpend {
  constructor(
    private readonly store: TaskStore,
    private readonly settings: SettingsStore,
  ) {}

  /** US dollars a new task may still spend; undefined when no limit applies. */
  async left(owner: string, appId: string | null, now = new Date()): Promise<number | undefined> {
    const { task_spend_limit_app_usd: app, task_spend_limit_owner_usd: all } = this.settings.get();
    const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
    const room: number[] = [];
    if (all > 0) room.push(all - (await this.store.spentSince(owner, since)));
    if (app > 0 && appId !== null)
      room.push(app - (await this.store.spentSince(owner, since, appId)));
    return room.length === 0 ? undefined : Math.min(...room);
  }

  /** Refuses when nothing is left. */
  async assertRoom(owner: string, appId: string | null): Promise<void> {
    const left = await this.left(owner, appId);
    if (left !== undefined && left <= 0) {
      throw new PaddockError(
        'spend_limit_reached',
        "this month's model spend limit is reached for this app or owner (the task_spend_limit_* settings)",
      );
    }
  }
}
