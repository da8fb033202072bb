import type { Task } from '@paddock/shared';
import { ROUTES } from './routeTable.js';
import { AppConfig } from './appConfig.js';
import { Egress } from './egress.js';
import type { BodyOf, QueryOf, ReplyOf } from './routeTypes.js';
import type { Sandbox, Sandboxes } from './sandbox.js';
import type { Snapshot, Snapshots } from './snapshots.js';
import type { RunTaskOptions, TaskHandle, TaskSpec, Tasks } from './tasks.js';
import type { RawBody, Transport } from './transport.js';

type Signal = { signal?: AbortSignal };
export type AppInfo = ReplyOf<typeof ROUTES.apps.get>;
export type CreateAppOptions = BodyOf<typeof ROUTES.apps.create> & Signal;

interface Services {
  sandboxes: Sandboxes;
  tasks: Tasks;
  snapshots: Snapshots;
}

/** Apps: a workspace from a preset, a git repository, an archive or a snapshot, with its sandbox. */
export class Apps {
  constructor(
    private readonly transport: Transport,
    private readonly services: Services,
  ) {}

  /** Creates an app and boots its sandbox (`{ name, preset }`, or `source.git`, or `from_snapshot`). */
  async create(options: CreateAppOptions): Promise<App> {
    const { signal, ...body } = options;
    return this.handle(await this.transport.call(ROUTES.apps.create, { body, signal }));
  }

  /** Creates an app from a project archive (tar, tar.gz or zip: bytes or a stream). */
  async import(
    archive: RawBody,
    options: Signal & { name: string; review?: boolean; contentType?: string },
  ): Promise<App> {
    const res = await this.transport.send(ROUTES.apps.import, {
      query: { name: options.name, ...(options.review ? { review: true } : {}) },
      body: archive,
      contentType: options.contentType ?? 'application/octet-stream',
      signal: options.signal,
    });
    return this.handle((await res.json()) as AppInfo);
  }

  /** The presets an app can start from. */
  async presets(options: Signal = {}) {
    return (await this.transport.call(ROUTES.presets.list, { signal: options.signal })).items;
  }

  list(query: QueryOf<typeof ROUTES.apps.list> = {}, options: Signal = {}) {
    return this.transport.call(ROUTES.apps.list, { query, signal: options.signal });
  }

  async get(appId: string, options: Signal = {}): Promise<App> {
    return this.handle(
      await this.transport.call(ROUTES.apps.get, { params: { id: appId }, signal: options.signal }),
    );
  }

  private handle(info: AppInfo): App {
    return new App(this.transport, info, this.services);
  }
}

/** One app: its preview, its sandbox, agent tasks, checkpoints, snapshots, config and egress. */
export class App {
  readonly config: AppConfig;
  readonly egress: Egress;
  /** Agent tasks in the app's sandbox: `app.tasks.run({ provider, prompt })`. */
  readonly tasks: {
    run: (spec: TaskSpec, options?: RunTaskOptions) => Promise<TaskHandle>;
    list: (options?: Signal) => Promise<Task[]>;
  };

  constructor(
    private readonly transport: Transport,
    /** The app as last fetched. */
    public info: AppInfo,
    private readonly services: Services,
  ) {
    this.config = new AppConfig(transport, info.id);
    this.egress = new Egress(transport, 'app', info.id);
    this.tasks = {
      run: async (spec, options) =>
        services.tasks.run(await this.sandboxId(options), spec, options),
      list: async (options) => services.tasks.list(await this.sandboxId(options), options),
    };
  }

  get id(): string {
    return this.info.id;
  }

  private get params() {
    return { id: this.info.id };
  }

  async refresh(options: Signal = {}): Promise<AppInfo> {
    this.info = await this.transport.call(ROUTES.apps.get, {
      params: this.params,
      signal: options.signal,
    });
    return this.info;
  }

  /** The app's sandbox id, waking the app first when it has none running. */
  private async sandboxId(options: Signal = {}): Promise<string> {
    if (this.info.sandbox?.status !== 'running') await this.wake(options);
    return this.info.sandbox!.id;
  }

  /** The app's sandbox, woken (or made anew) when it is stopped or gone. */
  async sandbox(options: Signal = {}): Promise<Sandbox> {
    return this.services.sandboxes.connect(await this.sandboxId(options));
  }

  /** Starts the app's sandbox (or makes a new one if it was removed). */
  async wake(options: Signal = {}): Promise<AppInfo> {
    this.info = await this.transport.call(ROUTES.apps.wake, {
      params: this.params,
      signal: options.signal,
    });
    return this.info;
  }

  /** The preview link (private previews carry a signed, expiring token); null without one. */
  async previewUrl(options: Signal = {}): Promise<string | null> {
    return (await this.refresh(options)).sandbox?.preview.url ?? null;
  }

  /** Renames it, or makes its preview public or private. */
  async update(change: BodyOf<typeof ROUTES.apps.patch>, options: Signal = {}): Promise<AppInfo> {
    this.info = await this.transport.call(ROUTES.apps.patch, {
      params: this.params,
      body: change,
      signal: options.signal,
    });
    return this.info;
  }

  /** Deletes the app; `purge` removes its workspace too. */
  async delete(options: Signal & { purge?: boolean } = {}): Promise<void> {
    await this.transport.call(ROUTES.apps.delete, {
      params: this.params,
      query: options.purge ? { purge: true } : {},
      signal: options.signal,
    });
  }

  /** Its checkpoints (one per task that changed something), newest first. */
  checkpoints(query: QueryOf<typeof ROUTES.apps.listCheckpoints> = {}, options: Signal = {}) {
    return this.transport.call(ROUTES.apps.listCheckpoints, {
      params: this.params,
      query,
      signal: options.signal,
    });
  }

  /** Returns the workspace to a checkpoint (as a new commit: history is kept). */
  restoreCheckpoint(sha: string, options: Signal = {}) {
    return this.transport.call(ROUTES.apps.restoreCheckpoint, {
      params: { id: this.id, sha },
      signal: options.signal,
    });
  }

  /** A new app whose workspace starts as the checkpoint. */
  async forkCheckpoint(sha: string, options: Signal & { name?: string } = {}): Promise<App> {
    const info = await this.transport.call(ROUTES.apps.forkCheckpoint, {
      params: { id: this.id, sha },
      body: options.name !== undefined ? { name: options.name } : {},
      signal: options.signal,
    });
    return new App(this.transport, info, this.services);
  }

  /** Captures the app's workspace as a snapshot. */
  async snapshot(name: string, options: Signal = {}): Promise<Snapshot> {
    return this.services.snapshots.create(await this.sandboxId(options), name, options);
  }

  /** The app's snapshots, newest first. */
  snapshots(query: QueryOf<typeof ROUTES.apps.listSnapshots> = {}, options: Signal = {}) {
    return this.transport.call(ROUTES.apps.listSnapshots, {
      params: this.params,
      query,
      signal: options.signal,
    });
  }

  /** Replaces the workspace with a snapshot (destructive: hence the explicit call). */
  restore(snapshotId: string, options: Signal = {}) {
    return this.transport.call(ROUTES.apps.restore, {
      params: this.params,
      body: { snapshot_id: snapshotId, confirm: true },
      signal: options.signal,
    });
  }

  /** A new app whose workspace starts as the snapshot. */
  async fork(snapshotId: string, options: Signal & { name?: string } = {}): Promise<App> {
    const info = await this.transport.call(ROUTES.apps.fork, {
      params: this.params,
      body: {
        snapshot_id: snapshotId,
        ...(options.name !== undefined ? { name: options.name } : {}),
      },
      signal: options.signal,
    });
    return new App(this.transport, info, this.services);
  }

  /** The app's events across every sandbox it has had, newest first. */
  events(query: QueryOf<typeof ROUTES.apps.events> = {}, options: Signal = {}) {
    return this.transport.call(ROUTES.apps.events, {
      params: this.params,
      query,
      signal: options.signal,
    });
  }

  /** The workspace as tar.gz or zip, without regenerable directories. */
  async download(
    query: QueryOf<typeof ROUTES.apps.archive> = {},
    options: Signal = {},
  ): Promise<ReadableStream<Uint8Array>> {
    const res = await this.transport.send(ROUTES.apps.archive, {
      params: this.params,
      query,
      signal: options.signal,
    });
    return res.body ?? new Blob([]).stream();
  }

  /** Starts an imported app held for review, with its sandbox.yaml as edited. */
  async confirmImport(manifest?: string, options: Signal = {}): Promise<AppInfo> {
    this.info = await this.transport.call(ROUTES.apps.confirmImport, {
      params: this.params,
      body: manifest !== undefined ? { manifest } : {},
      signal: options.signal,
    });
    return this.info;
  }

  /** Pushes its history to a git remote. */
  gitPush(body: BodyOf<typeof ROUTES.apps.gitPush>, options: Signal = {}) {
    return this.transport.call(ROUTES.apps.gitPush, {
      params: this.params,
      body,
      signal: options.signal,
    });
  }

  /** Brings a remote branch's changes in as a checkpoint. */
  gitPull(body: BodyOf<typeof ROUTES.apps.gitPull>, options: Signal = {}) {
    return this.transport.call(ROUTES.apps.gitPull, {
      params: this.params,
      body,
      signal: options.signal,
    });
  }
}
