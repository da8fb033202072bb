import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { EventLog } from '../events/eventLog.js';
import type { RouteInstaller } from '../http/routes.js';
import type { RuntimeService } from '../processes/runtimeService.js';
import type { SandboxLifecycle } from '../sandboxes/sandboxLifecycle.js';
import type { SandboxService } from '../sandboxes/sandboxService.js';
import type { SettingsStore } from '../settings/settingsStore.js';
import type { Db } from '../store/database.js';
import { TASK_PROVIDERS } from '@paddock/agents';
import { TaskLogs } from './taskLog.js';
import { taskRoutes } from './taskRoutes.js';
import { TaskService, type TaskServiceOptions } from './taskService.js';
import { TaskSpend } from './taskSpend.js';
import { TaskStore } from './taskStore.js';

export type { TaskService } from './taskService.js';

/** Agent tasks: one line per sandbox, providers, checkpoints, build and health verdicts. */
export async function createTasks(d: {
  db: Db;
  stateDir: string;
  tools: TaskServiceOptions['tools'];
  sandboxes: SandboxService;
  runtime: RuntimeService;
  events: EventLog;
  settings: SettingsStore;
  agentEnv: TaskServiceOptions['agentEnv'];
  taskStarting: TaskServiceOptions['taskStarting'];
  lifecycle: SandboxLifecycle;
  log: FastifyBaseLogger;
}) {
  const logs = new TaskLogs(path.join(d.stateDir, 'tasks'));
  const store = new TaskStore(d.db);
  const service = new TaskService({
    ...d,
    providers: TASK_PROVIDERS,
    store,
    spend: new TaskSpend(store, d.settings),
    logs,
    log: d.log.child({ component: 'tasks' }),
  });
  d.lifecycle.on('stopping', (id) => service.sandboxStopping(id));
  const abandoned = await service.reconcile();
  if (abandoned > 0) d.log.warn({ tasks: abandoned }, 'marked tasks of a previous run failed');
  const routes: RouteInstaller = async (app) => {
    await app.register(taskRoutes, { tasks: service, logs });
  };
  return { service, logs, routes };
}
