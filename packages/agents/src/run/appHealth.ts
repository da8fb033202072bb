import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SupervisedInfo } from '@paddock/shared';
import type { TaskWorkspace } from './taskWorkspace.js';

export interface HealthVerdict {
  app_healthy: boolean;
  /** Absent without a web process. */
  preview_ok?: boolean;
}

/** A GET through the port bridge, as the preview would make it: any answer below 500 is up. */
async function previewAnswers(
  workspace: TaskWorkspace,
  port: number,
  path: string,
  signal?: AbortSignal,
): Promise<boolean> {
  let socket;
  try {
    const limit = AbortSignal.timeout(5_000);
    socket = await workspace.openBridge(port, signal ? AbortSignal.any([signal, limit]) : limit);
  } catch {
    return false;
  }
  const bridged = socket;
  return new Promise((resolve) => {
    const req = http.request(
      // No agent: with createConnection and no agent, node uses that connection as it is.
      { createConnection: () => bridged, path, headers: { host: 'localhost' } },
      (res) => {
        res.resume();
        resolve((res.statusCode ?? 500) < 500);
        bridged.destroy();
      },
    );
    req.setTimeout(10_000, () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

function settled(list: SupervisedInfo[]): boolean {
  return list.every(
    (p) => p.status === 'failed' || (p.status === 'running' && p.health !== 'starting'),
  );
}

/**
 * Waits (up to `timeoutMs`) until every supervised process has settled, then judges: healthy
 * when all run and the web process, if any, passes its health check; the preview is ok when a
 * request to it through the bridge is answered without a server error.
 */
export async function judgeHealth(
  workspace: TaskWorkspace,
  web: { port: number; health_path: string } | undefined,
  signal?: AbortSignal,
  timeoutMs = 60_000,
): Promise<HealthVerdict> {
  const deadline = Date.now() + timeoutMs;
  let list = await workspace.listSupervised(signal);
  while (!settled(list) && Date.now() < deadline) {
    await sleep(250, undefined, { signal });
    list = await workspace.listSupervised(signal);
  }
  const webProcess = list.find((p) => p.kind === 'web');
  const app_healthy =
    list.length > 0 &&
    list.every((p) => p.status === 'running') &&
    (webProcess === undefined || webProcess.health === 'ready');
  if (!web) return { app_healthy };
  // A dev server that reloads on change (node --watch, uvicorn --reload) may be between two
  // runs right now: give it until the deadline to answer.
  let preview_ok = await previewAnswers(workspace, web.port, '/', signal);
  while (!preview_ok && Date.now() < deadline) {
    await sleep(250, undefined, { signal });
    preview_ok = await previewAnswers(workspace, web.port, '/', signal);
  }
  return { app_healthy, preview_ok };
}
