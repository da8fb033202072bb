import type { App } from '@paddock/shared';
import { ROUTES, type Paddock } from '@paddock/sdk';
import { isJson } from '../output.js';
import { CLEAR_LINE, SPINNER } from '../progress.js';

const POLL_MS = 500;

export interface AppWait {
  ready: boolean;
  app: App;
  /** Why it is not ready: a failed process, a failed install, the deadline. */
  reason?: string;
}

/**
 * `--wait`: follows an app until it serves (its preview is ready; without a web process, every
 * process runs) or fails (a process gave up, the dependency install failed). On a terminal,
 * the newest of the app's events (dependency warm-up, the manifest, processes) is shown in
 * place with the time so far; a pipe or --json gets nothing until the end.
 */
export async function waitForApp(pd: Paddock, appId: string, timeoutMs: number): Promise<AppWait> {
  const out = process.stderr;
  const shown = out.isTTY === true && !isJson();
  const started = Date.now();
  let turn = 0;
  try {
    for (;;) {
      const app = await pd.transport.call(ROUTES.apps.get, { params: { id: appId } });
      const sb = app.sandbox;
      const failed = sb?.processes.find((p) => p.status === 'failed');
      if (failed) return { ready: false, app, reason: `process ${failed.name} failed` };
      if (sb?.preview.status === 'ready') return { ready: true, app };
      if (
        sb?.status === 'running' &&
        sb.preview.status === 'none' &&
        sb.processes.every((p) => p.status === 'running')
      ) {
        return { ready: true, app };
      }
      const { items } = await pd.transport.call(ROUTES.apps.events, {
        params: { id: appId },
        query: { limit: 1 },
      });
      const newest = items[0];
      if (newest?.type === 'dependencies.install_failed') {
        return { ready: false, app, reason: newest.message };
      }
      const elapsed = Date.now() - started;
      if (elapsed > timeoutMs) {
        return { ready: false, app, reason: `not ready after ${Math.round(elapsed / 1000)} s` };
      }
      if (shown) {
        const what = newest?.message ?? `sandbox ${sb?.status ?? 'starting'}`;
        const spin = SPINNER[turn++ % SPINNER.length];
        out.write(`${CLEAR_LINE}${spin} ${what} (${Math.round(elapsed / 1000)} s)`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    if (shown) out.write(CLEAR_LINE);
  }
}
