import type { FastifyBaseLogger } from 'fastify';
import { commitFiles } from '@paddock/agents';
import { earlierInputs, getPreset, type DependencyCache } from '@paddock/presets';
import { PaddockError, type AppDependencyUpdate, type SandboxDriver } from '@paddock/shared';
import { importHolds } from '../apps/appImportRecord.js';
import type { AppRow, AppStore } from '../apps/appStore.js';
import type { EventLog } from '../events/eventLog.js';
import type { SandboxService } from '../sandboxes/sandboxService.js';
import { judgeMove, type MoveJudgement } from './lockfileMove.js';
import { hasRepository, readWorkspaceFile, replaceWorkspaceFile } from './workspaceFiles.js';

export interface AppMovesDeps {
  cache: DependencyCache;
  apps: AppStore;
  sandboxes: SandboxService;
  driver: SandboxDriver;
  events: EventLog;
  /** Runs `fn` alone in the sandbox's task line; refuses (conflict) while a task runs there. */
  exclusive: <T>(sandboxId: string, fn: () => Promise<T>) => Promise<T>;
  log: FastifyBaseLogger;
}

type Outcome = Pick<AppDependencyUpdate, 'outcome' | 'reason' | 'restart_needed' | 'checkpoint'>;

/**
 * Each app of an npm preset, moved to its preset's current lockfile when its own allows it
 * (`lockfileMove.ts`). The files are written by the host while the driver holds the workspace
 * still, so a running app and a stopped one are moved alike; the move takes effect at the
 * app's next start, whose fresh layer over the new cache entry needs no install.
 */
export async function moveApps(
  d: AppMovesDeps,
  options: { dryRun: boolean; presets: string[]; unbuilt: Set<string> },
): Promise<AppDependencyUpdate[]> {
  const out: AppDependencyUpdate[] = [];
  for (const app of await d.apps.listOfPresets(options.presets)) {
    const base = { app_id: app.id, owner: app.owner_id, name: app.name, preset: app.preset! };
    let result: Outcome;
    if (options.unbuilt.has(app.preset!)) {
      result = notMoved("its preset's cache could not be built (see caches)");
    } else {
      result = await moveApp(d, app, options.dryRun).catch((err: unknown) => {
        if (err instanceof PaddockError && err.code === 'conflict') {
          return notMoved('a task is running or queued in it; run this again when it ends');
        }
        d.log.warn({ err, app_id: app.id }, 'moving an app to its preset lockfile failed');
        return { ...notMoved(''), outcome: 'failed' as const, reason: messageOf(err) };
      });
    }
    out.push({ ...base, ...result });
  }
  return out;
}

async function moveApp(d: AppMovesDeps, app: AppRow, dryRun: boolean): Promise<Outcome> {
  if (importHolds(app)) return notMoved('its import is not finished');
  if (app.sandbox_id === null) return notMoved('it has no sandbox');
  const preset = getPreset(app.preset!)!;
  const current = d.cache.inputsOf(preset);
  const earlier = earlierInputs(d.cache, preset.name);
  const sandboxId = app.sandbox_id;
  return d.exclusive(sandboxId, async () => {
    const { judgement, repository } = await d.driver.withWorkspace(sandboxId, async (ws) => {
      const judgement: MoveJudgement = judgeMove(
        {
          packageJson: readWorkspaceFile(ws, 'package.json'),
          lockfile: readWorkspaceFile(ws, 'package-lock.json'),
        },
        current,
        earlier,
      );
      if (judgement.outcome === 'move' && !dryRun) {
        if (judgement.files.packageJson) {
          replaceWorkspaceFile(ws, 'package.json', judgement.files.packageJson);
        }
        replaceWorkspaceFile(ws, 'package-lock.json', judgement.files.lockfile);
      }
      return { judgement, repository: hasRepository(ws) };
    });
    if (judgement.outcome === 'up_to_date') return { ...notMoved(null), outcome: 'up_to_date' };
    if (judgement.outcome === 'not_moved') return notMoved(judgement.reason);
    if (dryRun) return { ...notMoved(null), outcome: 'would_move' };
    return recordMove(d, app, sandboxId, judgement.files.packageJson !== undefined, repository);
  });
}

/** The move as an event, and as a checkpoint of its own when the app runs and has a repository. */
async function recordMove(
  d: AppMovesDeps,
  app: AppRow,
  sandboxId: string,
  packageJson: boolean,
  repository: boolean,
): Promise<Outcome> {
  const files = packageJson ? ['package.json', 'package-lock.json'] : ['package-lock.json'];
  const running = (await d.sandboxes.get(app.owner_id, sandboxId)).status === 'running';
  let checkpoint: string | null = null;
  let reason: string | null = running ? 'restart the app to apply it' : null;
  if (running && repository) {
    const message = `Dependencies updated to the ${app.preset} preset's current lockfile`;
    checkpoint = await d.sandboxes
      .withAgent(app.owner_id, sandboxId, (client) => commitFiles(client, message, files))
      .catch((err: unknown) => {
        reason = `restart the app to apply it; recording the checkpoint failed: ${messageOf(err)}`;
        return null;
      });
  }
  await d.events.append({
    owner: app.owner_id,
    sandboxId,
    type: 'dependencies.moved',
    message: `${files.join(' and ')} updated to the ${app.preset} preset's current lockfile${running ? '; restart to apply' : ''}`,
    payload: { preset: app.preset, files, checkpoint, restart_needed: running },
  });
  return { outcome: 'moved', reason, restart_needed: running, checkpoint };
}

function notMoved(reason: string | null): Outcome {
  return { outcome: 'not_moved', reason, restart_needed: false, checkpoint: null };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message.slice(0, 1000) : String(err);
}
