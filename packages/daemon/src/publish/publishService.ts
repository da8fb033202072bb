import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { packPackage } from '@paddock/app-package';
import { MANIFEST_FILE } from '@paddock/manifest';
import { KeyedQueue, PaddockError, type InstallResult } from '@paddock/shared';
import type { AppKeys } from '../appKeys/index.js';
import type { AppService } from '../apps/appService.js';
import type { AppRow } from '../apps/appStore.js';
import type { AuditLog } from '../audit/auditLog.js';
import type { EventLog } from '../events/eventLog.js';
import type { Actor } from '../http/principal.js';
import type { Provenance } from '../provenance/index.js';
import type { SandboxService } from '../sandboxes/sandboxService.js';
import type { SandboxRow } from '../sandboxes/sandboxStore.js';
import type { SnapshotService } from '../snapshots/snapshotService.js';
import type { SnapshotRow } from '../snapshots/snapshotStore.js';
import { excludedNamesFor } from '../snapshots/snapshotWorkspace.js';
import { lacksManifest, packageFiles } from './packageFiles.js';
import { packageManifest } from './packageManifest.js';
import { stageFiles } from './packageStaging.js';
import { publishManifest, runBuild, type PublishManifest } from './publishBuild.js';
import type { PublishInstall } from './publishInstall.js';

export interface PublishServiceOptions {
  apps: AppService;
  sandboxes: SandboxService;
  snapshots: SnapshotService;
  /** The record's verdict on the code a snapshot holds. */
  provenanceOfSnapshot: (snapshotId: string) => Promise<Provenance>;
  keys: AppKeys;
  install: PublishInstall;
  /** Runs work alone in the sandbox's task line, or refuses (409) while a task runs or waits. */
  exclusive: <T>(sandboxId: string, fn: () => Promise<T>) => Promise<T>;
  events: EventLog;
  audit: AuditLog;
  /** Where packages are put together (`<data dir>/publish`), emptied at start. */
  workDir: string;
  log: FastifyBaseLogger;
}

/** What the sandbox's part of a publish leaves: its manifest, the snapshot and its record. */
interface Built {
  sandbox: SandboxRow;
  manifest: PublishManifest;
  build: { status: 'passed' | 'skipped'; ms: number };
  snapshot: SnapshotRow;
  provenance: Provenance;
}

/**
 * Publishing a build app as a userspace app. In the sandbox's task line (no task changes the
 * files meanwhile): the manifest's build, then a snapshot, the source of the package and of
 * its provenance (the record, never the caller's word). Then, one publish per app at a time:
 * the files the publish section names, the manifest at the next version, signed with the
 * app's own key, installed or updated by the userspace installer.
 */
export class PublishService {
  private readonly queue = new KeyedQueue();

  constructor(private readonly o: PublishServiceOptions) {}

  publish(
    owner: string,
    appId: string,
    request: { consent: boolean; actor: Actor },
  ): Promise<{ created: boolean; result: InstallResult }> {
    return this.queue.run(appId, async () => {
      const app = await this.o.apps.get(owner, appId);
      const work = path.join(this.o.workDir, `${app.id}-${randomBytes(6).toString('hex')}`);
      let stage = 'build';
      try {
        const key = await this.o.keys.keyFor(app);
        const version = key.lastVersion + 1;
        const built = await this.inSandbox(owner, app, version);
        stage = 'package';
        fs.mkdirSync(work, { recursive: true, mode: 0o700 });
        const filesDir = path.join(work, 'files');
        const section = built.manifest.publish;
        await this.o.snapshots.read(owner, built.snapshot.id, async (manifest, open) => {
          const files = packageFiles(manifest, section, excludedNamesFor(built.sandbox));
          // A service runs from its sandbox.yaml: the preset's, when the workspace had none.
          const extra =
            section.type === 'service' && lacksManifest(files)
              ? [{ path: MANIFEST_FILE, bytes: Buffer.from(built.manifest.text) }]
              : [];
          await stageFiles(filesDir, files, open, extra);
        });
        const outFile = path.join(work, 'package.paddockapp');
        const manifest = packageManifest({
          appName: app.name,
          section,
          packageId: key.packageId,
          version,
        });
        const packed = await packPackage({
          dir: filesDir,
          manifest,
          privateKeyPem: key.privateKeyPem,
          outFile,
        });
        stage = 'install';
        // Used before the install: whatever happens to it, the next publish goes above it.
        await this.o.keys.versionUsed(app.id, version);
        const installed = await this.o.install(owner, outFile, {
          source: {
            kind: 'publish',
            build_app_id: app.id,
            snapshot_id: built.snapshot.id,
            task_ids: built.provenance.task_ids,
          },
          provenance: built.provenance.tier,
          consent: request.consent,
          actor: request.actor,
        });
        await this.told(app, built.sandbox.id, request.actor, {
          version,
          package_id: key.packageId,
          snapshot_id: built.snapshot.id,
          provenance: built.provenance.tier,
          tasks: built.provenance.task_ids.length,
          build: built.build.status,
          build_ms: built.build.ms,
          files: packed.files,
          bytes: packed.bytes,
          digest: packed.digest,
          outcome: installed.result.outcome,
        });
        return installed;
      } catch (err) {
        await this.failed(app, request.actor, stage, err);
        throw err;
      } finally {
        fs.rmSync(work, { recursive: true, force: true });
      }
    });
  }

  /** The build and the snapshot, alone in the sandbox's task line; a stopped sandbox is started. */
  private async inSandbox(owner: string, app: AppRow, version: number): Promise<Built> {
    const current = await this.o.apps.sandboxOf(app);
    if (!current) {
      throw new PaddockError('conflict', `app ${app.id} has no sandbox; wake it first`);
    }
    return this.o.exclusive(current.id, async () => {
      let sandbox = await this.o.sandboxes.get(owner, current.id);
      if (sandbox.status !== 'running') sandbox = await this.o.sandboxes.start(owner, sandbox.id);
      const { manifest, build } = await this.o.sandboxes.withAgent(owner, sandbox.id, async (c) => {
        const manifest = await publishManifest(c, app.preset);
        return { manifest, build: await runBuild(c, manifest.manifest.build) };
      });
      const snapshot = await this.o.snapshots.capture(owner, sandbox.id, `publish ${version}`);
      const provenance = await this.o.provenanceOfSnapshot(snapshot.id);
      return { sandbox, manifest, build, snapshot, provenance };
    });
  }

  private async told(
    app: AppRow,
    sandboxId: string,
    actor: Actor,
    details: Record<string, string | number>,
  ): Promise<void> {
    await this.o.events.append({
      owner: app.owner_id,
      sandboxId,
      type: 'app.published',
      message: `Published version ${details.version} (${details.provenance}): ${details.outcome}`,
      payload: { app_id: app.id, ...details },
    });
    await this.o.audit.record({
      actor,
      action: 'app.publish',
      target: { type: 'app', id: app.id },
      details,
    });
  }

  private async failed(app: AppRow, actor: Actor, stage: string, err: unknown): Promise<void> {
    const code = err instanceof PaddockError ? err.code : 'internal';
    if (!(err instanceof PaddockError)) {
      this.o.log.error({ err, app_id: app.id, stage }, 'publishing failed');
    }
    try {
      await this.o.events.append({
        owner: app.owner_id,
        sandboxId: app.sandbox_id,
        type: 'app.publish_failed',
        severity: 'warn',
        message: `Publishing failed at the ${stage}: ${code}`,
        payload: { app_id: app.id, stage, code },
      });
      await this.o.audit.record({
        actor,
        action: 'app.publish',
        target: { type: 'app', id: app.id },
        outcome: 'failed',
        details: { stage, code },
      });
    } catch (e) {
      this.o.log.warn({ err: e, app_id: app.id }, 'recording a failed publish failed');
    }
  }
}
