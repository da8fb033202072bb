import type { RuntimeManifest, TaskResult } from '@paddock/shared';
import { judgeHealth } from './appHealth.js';
import type { TaskHost, TaskWorkspace } from './taskWorkspace.js';

export interface AfterAgent {
  build_status: TaskResult['build_status'];
  app_healthy: boolean;
  /** Absent without a web process. */
  preview_ok?: boolean;
}

/** Build check, restarts, health: what a finished agent's work is judged by. */
export async function afterAgent(
  host: TaskHost,
  workspace: TaskWorkspace,
  signal: AbortSignal,
): Promise<AfterAgent> {
  // The task may have changed sandbox.yaml: what runs and is built follows the new one.
  const manifest = await host.reloadManifest();
  const build_status = await buildCheck(host, workspace, manifest, signal);
  await host.event('task.build', `Build check ${build_status}`, { build_status });
  const restart = [
    ...(manifest?.web?.restart_after_task ? ['web'] : []),
    ...(manifest?.workers.filter((w) => w.restart_after_task).map((w) => w.name) ?? []),
  ];
  for (const name of restart) await workspace.restartSupervised(name, signal);
  if (restart.length > 0) {
    await host.event('task.restarted', 'Processes restarted after the task', {
      processes: restart,
    });
  }
  const web = manifest?.web
    ? { port: manifest.web.port, health_path: manifest.web.health_path }
    : undefined;
  const verdict = await judgeHealth(workspace, web, signal);
  await host.event('task.health', verdict.app_healthy ? 'App healthy' : 'App unhealthy', {
    ...verdict,
  });
  return { build_status, ...verdict };
}

/** The manifest's build command, its output into the task log: passed, failed or skipped. */
async function buildCheck(
  host: TaskHost,
  workspace: TaskWorkspace,
  manifest: RuntimeManifest | null,
  signal: AbortSignal,
): Promise<TaskResult['build_status']> {
  const build = manifest?.build;
  if (!build || build.command.trim() === '') return 'skipped';
  host.log(`\n[paddock] build: ${build.command}\n`);
  let exit: number | null = null;
  for await (const frame of workspace.execStream(
    { command: build.command, timeout_ms: build.timeout_seconds * 1000 },
    signal,
  )) {
    if (frame.event === 'stdout' || frame.event === 'stderr') host.log(frame.data.text);
    else if (frame.event === 'exit') {
      exit = frame.data.state === 'exited' ? frame.data.exit_code : null;
    }
  }
  return exit === 0 ? 'passed' : 'failed';
}
