import {
  PaddockError,
  type BrokerParams,
  type BrokerResult,
  type TaskResult,
} from '@paddock/shared';
import type { AppStore } from '../apps/appStore.js';
import type { Db } from '../store/database.js';
import type { TaskLogs } from '../tasks/taskLog.js';
import type { TaskService } from '../tasks/taskService.js';

/** One read of a task's log through the broker. */
const READ_BYTES = 64 * 1024;
const ENDED = new Set(['succeeded', 'failed', 'canceled', 'timed_out']);

/**
 * `app.agent`: a userspace app starts an agent task in one of its user's build apps and follows
 * it by polling. The task runs as any task of that user (their spend limit, their sandbox); an
 * app may read back only the tasks it started.
 */
export class AppAgent {
  constructor(private readonly o: { db: Db; tasks: TaskService; logs: TaskLogs; apps: AppStore }) {}

  async start(
    appId: string,
    owner: string,
    params: BrokerParams<'app.agent.start'>,
  ): Promise<BrokerResult<'app.agent.start'>> {
    const build = await this.o.apps.get(owner, params.app_id);
    if (!build) throw new PaddockError('not_found', `no build app ${params.app_id}`);
    if (!build.sandbox_id) {
      throw new PaddockError('conflict', `build app ${params.app_id} has no sandbox`);
    }
    const task = await this.o.tasks.create(owner, build.sandbox_id, {
      provider: params.provider ?? 'claude-code',
      input: { prompt: params.prompt },
    });
    await this.o.db
      .insertInto('app_agent_tasks')
      .values({ task_id: task.id, app_id: appId, owner_id: owner, created_at: task.created_at })
      .execute();
    return { task_id: task.id, status: task.status };
  }

  async read(
    appId: string,
    params: BrokerParams<'app.agent.read'>,
  ): Promise<BrokerResult<'app.agent.read'>> {
    const link = await this.o.db
      .selectFrom('app_agent_tasks')
      .selectAll()
      .where('task_id', '=', params.task_id)
      .where('app_id', '=', appId)
      .executeTakeFirst();
    if (!link) throw new PaddockError('not_found', `no task ${params.task_id} of this app`);
    const task = await this.o.tasks.get(link.owner_id, link.task_id);
    const after = params.after ?? 0;
    const { text, next } = this.o.logs.read(task.id, after, READ_BYTES);
    const result = task.result_json === null ? null : (JSON.parse(task.result_json) as TaskResult);
    return {
      status: task.status,
      text,
      next,
      done: ENDED.has(task.status) && next >= this.logSize(task.id, next),
      build_status: result?.build_status ?? null,
      files_changed: result?.files_changed.length ?? null,
    };
  }

  /** An app purged: the tasks stay its user's, but no app reinstalled with its id reads them. */
  async forget(appId: string): Promise<void> {
    await this.o.db.deleteFrom('app_agent_tasks').where('app_id', '=', appId).execute();
  }

  private logSize(taskId: string, fallback: number): number {
    return this.o.logs.size(taskId) ?? fallback;
  }
}
