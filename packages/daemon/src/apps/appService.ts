import { PRESETS, getPreset, type PresetDefinition } from '@paddock/presets';
import {
  failpoint,
  PaddockError,
  type CheckpointPage,
  type CreateSandboxBody,
  type ForkAppBody,
  type ForkCheckpointBody,
  type PatchAppBody,
  type RestoreAppBody,
  type SandboxLimits,
} from '@paddock/shared';
import { because } from '../audit/auditCause.js';
import type { EventLog } from '../events/eventLog.js';
import type { PresetMounts } from '../presets/presetMounts.js';
import type { RuntimeService } from '../processes/runtimeService.js';
import type { SandboxFiller, SandboxService } from '../sandboxes/sandboxService.js';
import type { SandboxRow } from '../sandboxes/sandboxStore.js';
import type { SnapshotService } from '../snapshots/snapshotService.js';
import { restoreCheckpoint } from '@paddock/agents';
import type { AppCheckpoints } from './appCheckpoints.js';
import type { AppRow, AppStore } from './appStore.js';

/** What a new app's workspace starts from, when not its preset's template. */
export interface AppStart {
  fill?: SandboxFiller;
  snapshotId?: string;
  checkpoint?: { appId: string; sha: string };
  /** An import's record (AppImport as JSON): its processes wait until it says `started`. */
  importJson?: string;
}

export interface AppServiceOptions {
  apps: AppStore;
  sandboxes: SandboxService;
  runtime: RuntimeService;
  presets: PresetMounts;
  events: EventLog;
  snapshots: SnapshotService;
  checkpoints: AppCheckpoints;
  /** Runs work alone in a sandbox's task line, or refuses (409) while a task runs or waits. */
  exclusive: <T>(sandboxId: string, fn: () => Promise<T>) => Promise<T>;
}

/**
 * Apps: a name, a preset and a current sandbox whose workspace is the app's. The sandbox does
 * the running; the app is what a person thinks of as "my app" across sandbox restarts.
 */
export class AppService {
  constructor(private readonly o: AppServiceOptions) {}

  /**
   * `from`: what the new app's workspace starts from instead of the preset's template (a
   * snapshot, or another app's checkpoint), filled in by `fill`. A null preset is an imported
   * project: no template, no shared cache, and `importJson` holds its processes back until
   * the import is done with it.
   */
  async create(
    owner: string,
    body: { name: string; preset: string | null },
    from?: AppStart,
  ): Promise<AppRow> {
    const preset = body.preset === null ? null : getPreset(body.preset);
    if (preset === undefined) {
      throw new PaddockError(
        'preset_not_found',
        `no preset "${body.preset ?? ''}"; see GET /v1/presets`,
      );
    }
    // First use of a preset on this host builds its dependency cache; later ones find it ready.
    const deps = await this.o.presets.dependencies(preset?.name ?? null);
    const mounts = deps.mounts;
    const app = await this.o.apps.insert({
      owner,
      name: body.name,
      preset: preset?.name ?? null,
      ...(from?.importJson !== undefined ? { importJson: from.importJson } : {}),
    });
    let sandbox: SandboxRow;
    try {
      sandbox = await this.o.sandboxes.create(
        owner,
        appLimits(preset, this.o.sandboxes.maxLimits),
        {
          app: { id: app.id, preset: preset?.name ?? null },
          mounts,
          ...(from?.fill ? { prepare: from.fill } : {}),
        },
      );
    } catch (err) {
      await this.o.apps.remove(app.id);
      throw err;
    }
    failpoint('app.create.sandboxed');
    await this.o.events.append({
      owner,
      sandboxId: sandbox.id,
      type: 'app.created',
      message: preset
        ? `App created from the ${preset.name} preset`
        : 'App created for a project brought in',
      // Whether this app waited for an install, or found the preset's cache ready.
      payload: {
        app_id: app.id,
        preset: preset?.name ?? null,
        dependencies: deps.source,
        dependencies_ms: deps.ms,
        from_snapshot: from?.snapshotId ?? null,
        ...(from?.checkpoint
          ? { from_app: from.checkpoint.appId, from_checkpoint: from.checkpoint.sha }
          : {}),
      },
    });
    return this.o.apps.update(app.id, { sandbox_id: sandbox.id });
  }

  async get(owner: string, id: string): Promise<AppRow> {
    const app = await this.o.apps.get(owner, id);
    if (!app) throw new PaddockError('not_found', `no app ${id}`);
    return app;
  }

  list(owner: string, q: { limit: number; cursor?: string }) {
    return this.o.apps.list(owner, q);
  }

  async patch(owner: string, id: string, body: PatchAppBody): Promise<AppRow> {
    await this.get(owner, id);
    const app = await this.o.apps.update(id, {
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.public !== undefined ? { public: body.public ? 1 : 0 } : {}),
    });
    if (app.sandbox_id !== null) this.o.sandboxes.noteChanged(app.sandbox_id);
    return app;
  }

  /** The app's sandbox, running: started if stopped, made anew if it was removed. */
  wake(owner: string, id: string): Promise<AppRow> {
    return because('wake', () => this.wakeNow(owner, id));
  }

  private async wakeNow(owner: string, id: string): Promise<AppRow> {
    const app = await this.get(owner, id);
    const current = app.sandbox_id ? await this.sandboxOf(app) : undefined;
    if (current) {
      await this.o.sandboxes.start(owner, current.id);
      return app;
    }
    const mounts = await this.o.presets.mountsFor(app.preset);
    const preset = app.preset === null ? null : (getPreset(app.preset) ?? null);
    const sandbox = await this.o.sandboxes.create(
      owner,
      appLimits(preset, this.o.sandboxes.maxLimits),
      {
        app: { id: app.id, preset: app.preset },
        mounts,
      },
    );
    return this.o.apps.update(app.id, { sandbox_id: sandbox.id });
  }

  /**
   * Without `purge` the sandbox is stopped and kept, so the workspace survives (it stays
   * reachable as a standalone sandbox); with it, the sandbox and its workspace are deleted.
   */
  async delete(owner: string, id: string, purge: boolean): Promise<void> {
    const app = await this.get(owner, id);
    const sandbox = app.sandbox_id ? await this.sandboxOf(app) : undefined;
    if (sandbox) {
      await because('app_delete', () =>
        purge
          ? this.o.sandboxes.delete(owner, sandbox.id)
          : this.o.sandboxes.stop(owner, sandbox.id),
      );
    }
    await this.o.apps.update(id, { deleted_at: new Date().toISOString() });
    if (sandbox) this.o.sandboxes.noteChanged(sandbox.id);
    await this.o.events.append({
      owner,
      sandboxId: sandbox?.id ?? null,
      type: 'app.deleted',
      message: purge ? 'App deleted with its workspace' : 'App deleted; its workspace is kept',
      payload: { app_id: id, purge },
    });
  }

  /** Returns the app's workspace to a task checkpoint, as a new commit (waking the sandbox). */
  async restoreCheckpoint(
    owner: string,
    id: string,
    sha: string,
  ): Promise<{ checkpoint: string; restored: string }> {
    const app = await this.get(owner, id);
    const sandbox = await this.sandboxOf(app);
    if (!sandbox) throw new PaddockError('conflict', `app ${id} has no sandbox; wake it first`);
    // In the task line, so no task starts while files are rewritten under it.
    const checkpoint = await this.o.exclusive(sandbox.id, async () => {
      if (sandbox.status !== 'running') await this.o.sandboxes.start(owner, sandbox.id);
      const head = await this.o.sandboxes.withAgent(owner, sandbox.id, (client) =>
        restoreCheckpoint(client, sha),
      );
      // The restored tree may hold another sandbox.yaml.
      await this.o.runtime.reload(await this.o.sandboxes.get(owner, sandbox.id));
      return head;
    });
    await this.o.events.append({
      owner,
      sandboxId: sandbox.id,
      type: 'checkpoint.restored',
      message: `Workspace restored to checkpoint ${sha.slice(0, 12)}`,
      payload: { app_id: id, restored: sha, checkpoint },
    });
    return { checkpoint, restored: sha };
  }

  /**
   * The app's checkpoints, newest first. Read in its sandbox, started if stopped (as a restore
   * does); reading needs no turn in the task line, so a running task does not stop it.
   */
  async listCheckpoints(
    owner: string,
    id: string,
    q: { limit: number; cursor?: string },
  ): Promise<CheckpointPage> {
    const sandbox = await this.awake(owner, await this.get(owner, id));
    return this.o.checkpoints.list(owner, sandbox, q);
  }

  /**
   * A new app of the same preset whose workspace (and git history) starts as the checkpoint.
   * Like a fork from a snapshot, it gets none of the source's config or secrets.
   */
  async forkCheckpoint(
    owner: string,
    id: string,
    sha: string,
    body: ForkCheckpointBody,
  ): Promise<AppRow> {
    const source = await this.get(owner, id);
    const sandbox = await this.awake(owner, source);
    const fork = await this.o.checkpoints.fork(owner, sandbox, sha);
    try {
      const name = body.name ?? `${source.name} (fork)`.slice(0, 64);
      return await this.create(
        owner,
        { name, preset: source.preset },
        { fill: fork.fill, checkpoint: { appId: source.id, sha: fork.sha } },
      );
    } finally {
      await fork.done();
    }
  }

  /** Fills a new app's workspace with a snapshot's files (the caller's snapshot, ready). */
  snapshotFiller(owner: string, snapshotId: string): Promise<SandboxFiller> {
    return this.o.snapshots.filler(owner, snapshotId);
  }

  /** A new app of the same preset whose workspace starts as the snapshot. */
  async fork(owner: string, id: string, body: ForkAppBody): Promise<AppRow> {
    const source = await this.get(owner, id);
    const fill = await this.o.snapshots.filler(owner, body.snapshot_id);
    const name = body.name ?? `${source.name} (fork)`.slice(0, 64);
    return this.create(
      owner,
      { name, preset: source.preset },
      { snapshotId: body.snapshot_id, fill },
    );
  }

  /**
   * Replaces the app's workspace with the snapshot. A running sandbox is stopped for it and
   * started again, so every process starts from the restored files; a stopped one stays stopped.
   */
  async restoreSnapshot(
    owner: string,
    id: string,
    body: RestoreAppBody,
  ): Promise<{ snapshot_id: string; sandbox_id: string; files: number; bytes: number }> {
    if (body.confirm !== true) {
      throw new PaddockError(
        'confirmation_required',
        "restoring replaces the app's workspace; send confirm: true",
      );
    }
    const app = await this.get(owner, id);
    const snapshot = await this.o.snapshots.getReady(owner, body.snapshot_id);
    const sandbox = await this.sandboxOf(app);
    if (!sandbox) throw new PaddockError('conflict', `app ${id} has no sandbox; wake it first`);
    // In the task line, so no task runs while its files are replaced.
    const restored = await this.o.exclusive(sandbox.id, async () => {
      try {
        return await because('restore', () =>
          this.o.sandboxes.whileStopped(owner, sandbox.id, (stopped) =>
            this.o.snapshots.restoreInto(stopped, snapshot),
          ),
        );
      } catch (err) {
        await this.o.events.append({
          owner,
          sandboxId: sandbox.id,
          type: 'snapshot.restore_failed',
          severity: 'error',
          message: `Restoring snapshot "${snapshot.name}" failed; the workspace may be partly restored`,
          payload: {
            app_id: id,
            snapshot_id: snapshot.id,
            code: err instanceof PaddockError ? err.code : 'internal',
          },
        });
        throw err;
      }
    });
    await this.o.events.append({
      owner,
      sandboxId: sandbox.id,
      type: 'snapshot.restored',
      message: `Workspace restored from snapshot "${snapshot.name}"`,
      payload: { app_id: id, snapshot_id: snapshot.id, files: restored.files },
    });
    return { snapshot_id: snapshot.id, sandbox_id: sandbox.id, ...restored };
  }

  async listSnapshots(owner: string, id: string, q: { limit: number; cursor?: string }) {
    await this.get(owner, id);
    return this.o.snapshots.listForApp(owner, id, q);
  }

  /** The app's sandbox, started if it is not running; 409 when it has none. */
  async awake(owner: string, app: AppRow): Promise<SandboxRow> {
    const sandbox = await this.sandboxOf(app);
    if (!sandbox) throw new PaddockError('conflict', `app ${app.id} has no sandbox; wake it first`);
    if (sandbox.status === 'running') return sandbox;
    return this.o.sandboxes.start(owner, sandbox.id);
  }

  async sandboxOf(app: AppRow): Promise<SandboxRow | undefined> {
    if (app.sandbox_id === null) return undefined;
    return this.o.sandboxes.get(app.owner_id, app.sandbox_id).catch(() => undefined);
  }
}

/**
 * A preset's own starting limits, within the admin's maximum (a low maximum wins). A project
 * brought in may be anything, so it starts with the most any preset asks for (Next.js's dev
 * server beside a production build).
 */
function appLimits(preset: PresetDefinition | null, max: SandboxLimits): CreateSandboxBody {
  const memory = preset ? preset.memoryMb : Math.max(...PRESETS.map((p) => p.memoryMb ?? 0));
  if (memory === undefined || memory === 0) return {};
  return { limits: { memory_mb: Math.min(memory, max.memory_mb) } };
}
