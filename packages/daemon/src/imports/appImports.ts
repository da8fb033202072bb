import type { Readable } from 'node:stream';
import { commitImport } from '@paddock/agents';
import type { AgentClient } from '@paddock/guest-agent';
import { MANIFEST_FILE, parseManifest } from '@paddock/manifest';
import {
  failpoint,
  HOST_PATTERN,
  PaddockError,
  type AppImport,
  type ConfirmImportBody,
  type CreateAppBody,
  type GitSource,
  type ProjectDetection,
} from '@paddock/shared';
import { importOf, type AppImporter } from '../apps/index.js';
import type { AppService } from '../apps/appService.js';
import type { AppRow, AppStore } from '../apps/appStore.js';
import type { AppConfigService } from '../appConfig/appConfigService.js';
import type { EventLog } from '../events/eventLog.js';
import type { RuntimeService } from '../processes/index.js';
import type { SandboxService } from '../sandboxes/sandboxService.js';
import type { SandboxStore } from '../sandboxes/sandboxStore.js';
import type { SnapshotService } from '../snapshots/snapshotService.js';
import { sandboxProjectReader, type ProjectReader } from './projectReader.js';

export interface AppImportsOptions {
  apps: AppService;
  appStore: AppStore;
  sandboxes: SandboxService;
  sandboxStore: SandboxStore;
  snapshots: SnapshotService;
  runtime: RuntimeService;
  config: AppConfigService;
  events: EventLog;
  /** Adds a host to the app's own egress allow list (the person named it by importing). */
  allowHost: (owner: string, appId: string, host: string) => Promise<void>;
  /** How the project runs: @paddock/project-detect over the sandbox's files. */
  detect: (reader: ProjectReader) => Promise<ProjectDetection>;
  /** Clones inside the sandbox, through its egress proxy; the workspace ends as the checkout. */
  clone: (
    client: AgentClient,
    source: { url: string; ref?: string },
    appId: string,
  ) => Promise<{ commit: string }>;
  /** An uploaded archive (tar, tar.gz or zip) as a tar stream. */
  tarOfUpload: (body: Readable) => Promise<Readable>;
  /** Options for reading an upload into the snapshot store: one root dir dropped, regenerable dirs skipped. */
  uploadImport: (
    owner: string,
    name: string,
    tar: AsyncIterable<Buffer>,
    agentKeyId: string | null,
  ) => Promise<{ id: string }>;
}

type Source = AppImport['source'];

/** The config key an import's access token is kept under. */
export const GIT_TOKEN_KEY = 'GIT_TOKEN';

/**
 * Projects brought in: a git repository cloned in the new app's sandbox, an uploaded archive
 * or a snapshot filled into it. Then detection proposes a sandbox.yaml when the project has
 * none, the import is committed as the first checkpoint, and the processes start (or wait for
 * the person to review how the project will run).
 */
export class AppImports implements AppImporter {
  constructor(private readonly o: AppImportsOptions) {}

  /** `POST /v1/apps` with `source.git` or `from_snapshot`. */
  async create(owner: string, body: CreateAppBody): Promise<AppRow> {
    if (body.preset != null) {
      throw new PaddockError(
        'bad_request',
        'a project brought in runs as it is: leave preset out (or null); its lockfile picks a preset cache when it matches one',
      );
    }
    const review = body.review === true;
    if (body.source && body.from_snapshot !== undefined) {
      throw new PaddockError('bad_request', 'give source or from_snapshot, not both');
    }
    if (body.source) return this.fromGit(owner, body.name, body.source.git, review);
    if (body.from_snapshot !== undefined) {
      const source: Source = { kind: 'snapshot', snapshot_id: body.from_snapshot };
      return this.fromSnapshot(owner, body.name, body.from_snapshot, source, review);
    }
    throw new PaddockError('bad_request', 'give source.git or from_snapshot');
  }

  /** `POST /v1/apps/import`: the upload is kept as a snapshot, and the app starts from it. */
  async fromArchive(
    owner: string,
    query: { name: string; review?: boolean },
    body: Readable,
    agentKeyId: string | null,
  ): Promise<AppRow> {
    const tar = await this.o.tarOfUpload(body);
    // Destroyed however the import ends: a zip's spool file goes with the stream's close, and an
    // import refused midway stops reading without closing it.
    const snapshot = await this.o
      .uploadImport(owner, `import: ${query.name}`, tar, agentKeyId)
      .finally(() => tar.destroy());
    const source: Source = { kind: 'archive', snapshot_id: snapshot.id };
    return this.fromSnapshot(owner, query.name, snapshot.id, source, query.review === true);
  }

  /** Starts an app under review, with its sandbox.yaml as edited (when given). */
  async confirm(owner: string, id: string, body: ConfirmImportBody): Promise<AppRow> {
    const app = await this.o.apps.get(owner, id);
    const record = importOf(app);
    if (record?.state !== 'review') {
      throw new PaddockError(
        'import_not_held',
        `app ${id} is not waiting for its import to be confirmed`,
      );
    }
    const sandbox = await this.o.apps.awake(owner, app);
    let detection = record.detection;
    if (body.manifest !== undefined) {
      const parsed = parseManifest(body.manifest);
      if (!parsed.valid) {
        const first = parsed.errors[0];
        throw new PaddockError(
          'manifest_invalid',
          `${MANIFEST_FILE} is invalid: line ${first?.line}: ${first?.message}`,
          { errors: parsed.errors },
        );
      }
      await this.o.sandboxes.withAgent(owner, sandbox.id, (client) =>
        client.writeFile(MANIFEST_FILE, Buffer.from(body.manifest!)),
      );
      if (detection) detection = { ...detection, manifest: body.manifest };
    }
    const row = await this.o.appStore.update(app.id, {
      import_json: JSON.stringify({ ...record, state: 'started', detection } satisfies AppImport),
    });
    await this.o.runtime.reload(sandbox);
    await this.o.events.append({
      owner,
      sandboxId: sandbox.id,
      type: 'app.import_confirmed',
      message:
        body.manifest === undefined
          ? 'Import confirmed; the processes start'
          : `Import confirmed with an edited ${MANIFEST_FILE}; the processes start`,
      payload: { app_id: app.id, edited: body.manifest !== undefined },
    });
    return row;
  }

  /**
   * At start: an import the daemon stopped in the middle of is removed whole, as a failed one
   * is, so no app waits in `importing` forever.
   */
  async recover(): Promise<void> {
    for (const app of await this.o.appStore.listImporting()) {
      if (importOf(app)?.state !== 'importing') continue;
      await this.o.config.delete(app.owner_id, app.id, GIT_TOKEN_KEY).catch(() => undefined);
      await this.o.apps.delete(app.owner_id, app.id, true);
      await this.o.events.append({
        owner: app.owner_id,
        sandboxId: app.sandbox_id,
        type: 'app.import_failed',
        severity: 'error',
        message: 'The import was cut short when the daemon stopped; the half-made app is removed',
        payload: { app_id: app.id },
      });
    }
  }

  private async fromSnapshot(
    owner: string,
    name: string,
    snapshotId: string,
    source: Source,
    review: boolean,
  ): Promise<AppRow> {
    const fill = await this.o.snapshots.filler(owner, snapshotId);
    const app = await this.o.apps.create(
      owner,
      { name, preset: null },
      { fill, snapshotId, importJson: importing(source) },
    );
    return this.settle(owner, app, () => this.finish(owner, app, source, review));
  }

  private async fromGit(
    owner: string,
    name: string,
    git: GitSource,
    review: boolean,
  ): Promise<AppRow> {
    const host = new URL(git.url).hostname.toLowerCase();
    if (!new RegExp(HOST_PATTERN).test(host)) {
      throw new PaddockError(
        'bad_request',
        `the repository's host must be a domain name (egress rules name hosts), not "${host}"`,
      );
    }
    const source: Extract<Source, { kind: 'git' }> = {
      kind: 'git',
      url: git.url,
      ref: git.ref ?? null,
      commit: null,
    };
    const app = await this.o.apps.create(
      owner,
      { name, preset: null },
      { importJson: importing(source) },
    );
    return this.settle(owner, app, async () => {
      await this.o.allowHost(owner, app.id, host);
      if (git.token !== undefined) {
        // Sealed at once; the egress proxy adds it for the repository's host only, so neither
        // the workspace nor .git/config ever holds it.
        await this.o.config.create(owner, app.id, {
          key: GIT_TOKEN_KEY,
          value: git.token,
          sensitive: true,
          // Injected for the host, never a placeholder in the app's own processes' env.
          access_policy: 'agent_access',
          inject: {
            hosts: [host],
            header: 'Authorization',
            format: `Basic {basic:${git.username ?? 'x-access-token'}}`,
          },
        });
      }
      const { commit } = await this.o.sandboxes.withAgent(owner, app.sandbox_id!, (client) =>
        this.o.clone(
          client,
          { url: git.url, ...(git.ref !== undefined ? { ref: git.ref } : {}) },
          app.id,
        ),
      );
      return this.finish(owner, app, { ...source, commit }, review);
    });
  }

  /** Runs the rest of an import; if it fails, the half-made app is removed whole. */
  private async settle(owner: string, app: AppRow, rest: () => Promise<AppRow>): Promise<AppRow> {
    try {
      return await rest();
    } catch (err) {
      // The sealed token goes with it: nothing of a failed import stays behind.
      await this.o.config.delete(owner, app.id, GIT_TOKEN_KEY).catch(() => undefined);
      await this.o.apps.delete(owner, app.id, true).catch(() => undefined);
      throw err;
    }
  }

  /**
   * The project's files are in: detect how it runs, propose a sandbox.yaml if it has none,
   * commit the import, and let the runtime prepare it (dependencies, then processes unless the
   * person reviews first). A lockfile equal to a preset's makes it that preset's app, so its
   * node_modules come from the shared cache (mounted at the next start).
   */
  private async finish(
    owner: string,
    app: AppRow,
    source: Source,
    review: boolean,
  ): Promise<AppRow> {
    const sandboxId = app.sandbox_id!;
    failpoint('import.filled');
    const detection = await this.o.sandboxes.withAgent(owner, sandboxId, async (client) => {
      const found = await this.o.detect(sandboxProjectReader(client));
      if (found.manifest_source === 'proposed') {
        await client.writeFile(MANIFEST_FILE, Buffer.from(found.manifest));
      }
      await commitImport(client, importMessage(source, found));
      return found;
    });
    const record: AppImport = { source, state: review ? 'review' : 'started', detection };
    const row = await this.o.appStore.update(app.id, {
      import_json: JSON.stringify(record),
      ...(detection.preset !== null ? { preset: detection.preset } : {}),
    });
    if (detection.preset !== null) {
      // The template never lands on the project: it counts as seeded.
      await this.o.sandboxStore.update(sandboxId, {
        preset: detection.preset,
        seeded_at: new Date().toISOString(),
      });
      // A restart mounts the preset's cache; the boot prepares the runtime.
      await this.o.sandboxes.whileStopped(owner, sandboxId, async () => undefined);
    } else {
      void this.o.runtime.prepare(await this.o.sandboxes.get(owner, sandboxId));
    }
    await this.o.events.append({
      owner,
      sandboxId,
      type: 'app.imported',
      message: `Project imported from ${describeSource(source)}: ${detection.kind}${
        detection.manifest_source === 'proposed' ? `, ${MANIFEST_FILE} proposed` : ''
      }${review ? '; waiting for review' : ''}`,
      payload: {
        app_id: app.id,
        source: source.kind,
        kind: detection.kind,
        package_manager: detection.package_manager,
        preset: detection.preset,
        manifest_source: detection.manifest_source,
        review,
      },
    });
    return row;
  }
}

function importing(source: Source): string {
  return JSON.stringify({ source, state: 'importing', detection: null } satisfies AppImport);
}

function describeSource(source: Source): string {
  if (source.kind === 'git') return source.url + (source.ref ? ` (${source.ref})` : '');
  return source.kind === 'archive' ? 'an archive' : `snapshot ${source.snapshot_id}`;
}

function importMessage(source: Source, detection: ProjectDetection): string {
  const proposed =
    detection.manifest_source === 'proposed' ? `\n\n${MANIFEST_FILE} proposed by Paddock` : '';
  return `Imported from ${describeSource(source)}${proposed}`;
}
