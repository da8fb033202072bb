import { ulid } from 'ulid';
import type { Task, TaskInputView, TaskResult } from '@paddock/shared';
import type { Db } from '../store/database.js';
import type { TasksTable } from '../store/schema.js';
import { found } from '../store/found.js';

export type TaskRow = TasksTable;

/** The fields of a stored input the API shows, by name: nothing else a row may hold. */
function inputView(json: string): TaskInputView {
  const input = JSON.parse(json) as Record<string, unknown>;
  const view: TaskInputView = {};
  for (const key of ['script', 'prompt', 'model'] as const) {
    const value = input[key];
    if (typeof value === 'string') view[key] = value;
  }
  return view;
}

export function taskView(row: TaskRow): Task {
  return {
    id: row.id,
    sandbox_id: row.sandbox_id,
    provider: row.provider,
    input: inputView(row.input_json),
    status: row.status,
    status_reason: row.status_reason,
    timeout_seconds: row.timeout_seconds,
    created_at: row.created_at,
    started_at: row.started_at,
    ended_at: row.ended_at,
    result: row.result_json === null ? null : (JSON.parse(row.result_json) as TaskResult),
  };
}

/** Task rows; every API read is owner-scoped. */
export class TaskStore {
  constructor(private readonly db: Db) {}

  async insert(input: {
    owner: string;
    sandboxId: string;
    provider: string;
    input: unknown;
    timeoutSeconds: number;
  }): Promise<TaskRow> {
    const row: TaskRow = {
      id: `task${ulid().toLowerCase()}`,
      owner_id: input.owner,
      sandbox_id: input.sandboxId,
      provider: input.provider,
      input_json: JSON.stringify(input.input),
      status: 'queued',
      status_reason: null,
      timeout_seconds: input.timeoutSeconds,
      result_json: null,
      cost_usd: null,
      created_at: new Date().toISOString(),
      started_at: null,
      ended_at: null,
    };
    await this.db.insertInto('tasks').values(row).execute();
    return row;
  }

  async get(owner: string, id: string): Promise<TaskRow | undefined> {
    return this.db
      .selectFrom('tasks')
      .selectAll()
      .where('id', '=', id)
      .where('owner_id', '=', owner)
      .executeTakeFirst();
  }

  /** The owner's tasks among `ids` (at most a page's worth). */
  async getMany(owner: string, ids: string[]): Promise<TaskRow[]> {
    if (ids.length === 0) return [];
    return this.db
      .selectFrom('tasks')
      .selectAll()
      .where('owner_id', '=', owner)
      .where('id', 'in', ids)
      .execute();
  }

  /** Newest first. */
  async listForSandbox(owner: string, sandboxId: string, limit = 100): Promise<TaskRow[]> {
    return this.db
      .selectFrom('tasks')
      .selectAll()
      .where('owner_id', '=', owner)
      .where('sandbox_id', '=', sandboxId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }

  /** Tasks a daemon that stopped left queued or running. */
  async listUnfinished(): Promise<TaskRow[]> {
    return this.db
      .selectFrom('tasks')
      .selectAll()
      .where('status', 'in', ['queued', 'running'])
      .execute();
  }

  /** Changes the status only if it still is `from`; false when another change won. */
  async transition(
    id: string,
    from: TaskRow['status'],
    patch: Partial<Omit<TaskRow, 'id' | 'owner_id' | 'sandbox_id' | 'created_at'>>,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('tasks')
      .set(patch)
      .where('id', '=', id)
      .where('status', '=', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** US dollars of spend the owner's tasks (or one app's, when given) reported since `since`. */
  async spentSince(owner: string, since: string, appId?: string): Promise<number> {
    let query = this.db
      .selectFrom('tasks')
      .select((eb) => eb.fn.sum<number | null>('tasks.cost_usd').as('spent'))
      .where('tasks.owner_id', '=', owner)
      .where('tasks.created_at', '>=', since);
    if (appId !== undefined) {
      query = query
        .innerJoin('sandboxes', 'sandboxes.id', 'tasks.sandbox_id')
        .where('sandboxes.app_id', '=', appId);
    }
    return Number((await query.executeTakeFirst())?.spent ?? 0);
  }

  async update(
    id: string,
    patch: Partial<Omit<TaskRow, 'id' | 'owner_id' | 'sandbox_id' | 'created_at'>>,
  ): Promise<TaskRow> {
    const row = await this.db
      .updateTable('tasks')
      .set(patch)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return found(row, `task ${id}`);
  }
}
