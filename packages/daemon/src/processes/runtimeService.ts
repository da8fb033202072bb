import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { AgentClient } from '@paddock/guest-agent';
import { MANIFEST_FILE, MANIFEST_LIMITS, parseManifest, supervisedSpecs } from '@paddock/manifest';
import { getPreset, seedWorkspace } from '@paddock/presets';
import {
  GUEST_WORKSPACE,
  PaddockError,
  type ManifestIssue,
  type ManifestState,
  type ProcessView,
  type RuntimeManifest,
} from '@paddock/shared';
import type { EventLog } from '../events/eventLog.js';
import type { SandboxLifecycle } from '../sandboxes/sandboxLifecycle.js';
import type { SandboxService } from '../sandboxes/sandboxService.js';
import type { SandboxRow, SandboxStore } from '../sandboxes/sandboxStore.js';
import {
  dependencyPlan,
  installDependencies,
  type DependencyPlan,
} from '../presets/appDependencies.js';
import { projectDependencyPlan, type PackageManagers } from '../presets/projectDependencies.js';

export interface RuntimeServiceOptions {
  sandboxes: SandboxService;
  store: SandboxStore;
  events: EventLog;
  log: FastifyBaseLogger;
  previewDomain: () => string;
  /** The app's runtime config as environment (plain values, placeholders for secrets). */
  appEnv: (appId: string) => Promise<Record<string, string>>;
  /** pnpm and yarn, put in the shared cache for projects without a preset that use them. */
  packageManagers: PackageManagers;
  /**
   * An imported app's state: `importing` (its files are on their way in: the import prepares
   * the runtime when it is done) and `review` hold its processes back; null for other apps.
   */
  importState: (appId: string) => Promise<'importing' | 'review' | 'started' | null>;
}

/** What the daemon knows of a sandbox's manifest since its last boot. */
export interface RuntimeState {
  source: ManifestState['source'];
  errors: ManifestIssue[];
  /** The manifest the processes run from: the last valid one (an invalid one never replaces it). */
  manifest: RuntimeManifest | null;
}

const UNKNOWN: RuntimeState = { source: 'none', errors: [], manifest: null };

/**
 * A sandbox's runtime: the preset's first-boot template, and the manifest (sandbox.yaml, or the
 * preset's defaults) applied to the guest agent's supervisor.
 */
export class RuntimeService {
  private readonly states = new Map<string, RuntimeState>();
  /** One apply at a time per sandbox, the newest winning: a burst of writes applies once more. */
  private readonly applying = new Map<string, Promise<void>>();
  private lifecycle: SandboxLifecycle | undefined;

  constructor(private readonly o: RuntimeServiceOptions) {}

  /**
   * Applies the manifest after every boot, and again to a sandbox that kept running across a
   * daemon restart (the supervisor keeps unchanged processes as they are); forgets a sandbox's
   * state when its boot ends.
   */
  subscribe(lifecycle: SandboxLifecycle): void {
    this.lifecycle = lifecycle;
    lifecycle.on('booted', (row) => this.booted(row));
    lifecycle.on('adopted', (row) => this.reload(row));
    lifecycle.on('ended', (id) => this.states.delete(id));
  }

  state(id: string): RuntimeState {
    return this.states.get(id) ?? UNKNOWN;
  }

  private async booted(row: SandboxRow): Promise<void> {
    if (row.app_id !== null && (await this.o.importState(row.app_id)) === 'importing') return;
    await this.prepare(row);
  }

  /**
   * What a boot does: the preset's template into a new workspace, the app's own dependencies,
   * then the manifest. An import calls it once the project's files are in.
   */
  async prepare(row: SandboxRow): Promise<void> {
    try {
      const { client } = await this.o.sandboxes.agent(row.owner_id, row.id);
      const preset = row.preset === null ? undefined : getPreset(row.preset);
      if (preset && row.seeded_at === null) {
        const seeded = await seedWorkspace(client, preset);
        await this.o.store.update(row.id, { seeded_at: new Date().toISOString() });
        await this.o.events.append({
          owner: row.owner_id,
          sandboxId: row.id,
          type: 'workspace.seeded',
          message: seeded.seeded
            ? `Workspace seeded from the ${preset.name} preset`
            : 'Workspace not seeded: it already holds files',
          payload: { preset: preset.name, seeded: seeded.seeded, files: seeded.files },
        });
      }
      const plan = preset
        ? await dependencyPlan(client, preset)
        : // An app without a preset (an import) brings all its dependencies; a standalone
          // sandbox none.
          row.app_id === null
          ? null
          : await projectDependencyPlan(client, this.o.packageManagers);
      if (plan?.quick === false) {
        // Not awaited: an install may take minutes, and a boot answers at once; the processes
        // start once it is over.
        void this.chain(row, (agent) => this.install(row, agent, plan));
        return;
      }
      if (plan) await this.install(row, client, plan);
      await this.applyNow(row, client);
    } catch (err) {
      this.o.log.warn({ err, sandbox_id: row.id }, 'preparing the sandbox runtime failed');
      await this.o.events.append({
        owner: row.owner_id,
        sandboxId: row.id,
        type: 'runtime.failed',
        severity: 'error',
        message: 'The runtime could not be prepared',
        payload: { code: err instanceof PaddockError ? err.code : 'internal' },
      });
    }
  }

  /** Called with the paths a files-API call touched: a changed sandbox.yaml is applied. */
  workspaceChanged(row: SandboxRow, paths: string[]): void {
    if (paths.some(isManifestPath)) void this.reload(row);
  }

  /** Reads the manifest again and applies it (after sandbox.yaml changed, or a re-adoption). */
  reload(row: SandboxRow): Promise<void> {
    return this.chain(row);
  }

  /** After the applies already queued for the sandbox: `before` (if any), then an apply. */
  private chain(row: SandboxRow, before?: (client: AgentClient) => Promise<void>): Promise<void> {
    const previous = this.applying.get(row.id) ?? Promise.resolve();
    const next = previous
      .then(async () => {
        const { client } = await this.o.sandboxes.agent(row.owner_id, row.id);
        if (before) await before(client);
        await this.applyNow(row, client);
      })
      .catch((err: unknown) => {
        this.o.log.warn({ err, sandbox_id: row.id }, 'reloading the manifest failed');
      })
      .finally(() => {
        if (this.applying.get(row.id) === next) this.applying.delete(row.id);
      });
    this.applying.set(row.id, next);
    return next;
  }

  private async applyNow(row: SandboxRow, client: AgentClient): Promise<void> {
    const text = await readManifest(client);
    const previous = this.states.get(row.id) ?? UNKNOWN;
    const preset = row.preset === null ? undefined : getPreset(row.preset);
    let manifest: RuntimeManifest | null;
    let source: RuntimeState['source'];
    if (text === null) {
      manifest = preset?.manifest ?? null;
      source = manifest ? 'preset' : 'none';
    } else {
      const parsed = parseManifest(text);
      if (!parsed.valid) {
        // Never silently replaced: what runs keeps running on the last valid manifest.
        this.states.set(row.id, { ...previous, source: 'workspace', errors: parsed.errors });
        await this.o.events.append({
          owner: row.owner_id,
          sandboxId: row.id,
          type: 'manifest.invalid',
          severity: 'warn',
          message: `${MANIFEST_FILE} is invalid: line ${parsed.errors[0]?.line}: ${parsed.errors[0]?.message}`,
          payload: { errors: parsed.errors.slice(0, 20) },
        });
        return;
      }
      manifest = withPresetBuild(parsed.manifest, preset?.manifest);
      source = 'workspace';
    }
    const appEnv = row.app_id === null ? {} : await this.o.appEnv(row.app_id);
    const importState = row.app_id === null ? null : await this.o.importState(row.app_id);
    // An import under review runs nothing yet: the person may still change how it runs.
    const held = importState === 'importing' || importState === 'review';
    const specs =
      manifest && !held
        ? supervisedSpecs(manifest, { previewDomain: this.o.previewDomain(), appEnv })
        : [];
    await client.applySupervisor(specs);
    this.states.set(row.id, { source, errors: [], manifest });
    this.lifecycle?.manifestApplied(row.id, manifest);
    const webPort = manifest?.web?.port ?? null;
    if (webPort !== row.web_port) await this.o.store.update(row.id, { web_port: webPort });
    if (previous.errors.length > 0 || previous.source !== source) {
      await this.o.events.append({
        owner: row.owner_id,
        sandboxId: row.id,
        type: 'manifest.applied',
        message: `Processes started from ${source === 'workspace' ? MANIFEST_FILE : `the ${source} defaults`}`,
        payload: { source, processes: specs.map((s) => s.name) },
      });
    }
  }

  /**
   * The app's own dependencies, installed inside the sandbox from its lockfile (ADR 0016).
   * A failure is reported and the processes start anyway; the next boot tries again.
   */
  private async install(row: SandboxRow, client: AgentClient, plan: DependencyPlan): Promise<void> {
    const base = { owner: row.owner_id, sandboxId: row.id };
    await this.o.events.append({
      ...base,
      type: 'dependencies.installing',
      message: `Installing the app's dependencies (${plan.reason})`,
      payload: { kind: plan.kind, reason: plan.reason },
    });
    const result = await installDependencies(client, plan).catch((err: unknown) => {
      this.o.log.warn({ err, sandbox_id: row.id }, 'installing app dependencies failed');
      return null;
    });
    const ok = result?.exit_code === 0;
    // No output in events or logs (it may hold anything): rerunning the install shows it.
    if (!ok && result) {
      this.o.log.warn(
        { sandbox_id: row.id, exit_code: result.exit_code },
        'installing app dependencies failed',
      );
    }
    await this.o.events.append({
      ...base,
      type: ok ? 'dependencies.installed' : 'dependencies.install_failed',
      severity: ok ? 'info' : 'error',
      message: ok
        ? "The app's dependencies are installed"
        : "Installing the app's dependencies failed",
      payload: {
        kind: plan.kind,
        exit_code: result?.exit_code ?? null,
        duration_ms: Math.round(result?.duration_ms ?? 0),
      },
    });
  }

  /** The supervised processes of a running sandbox (reading them is not activity). */
  async processes(row: SandboxRow): Promise<ProcessView[]> {
    if (row.status !== 'running') return [];
    const { client } = await this.o.sandboxes.agent(row.owner_id, row.id);
    return client.listSupervised();
  }
}

function isManifestPath(p: string): boolean {
  const normal = path.posix.normalize(
    p.startsWith(GUEST_WORKSPACE + '/') ? p.slice(GUEST_WORKSPACE.length + 1) : p,
  );
  return normal === MANIFEST_FILE;
}

/** An absent `build` means the preset's build (the manifest module cannot know presets). */
export function withPresetBuild(
  manifest: RuntimeManifest,
  presetManifest: RuntimeManifest | undefined,
): RuntimeManifest {
  if (manifest.build !== undefined || presetManifest?.build === undefined) return manifest;
  return { ...manifest, build: presetManifest.build };
}

/** The workspace's sandbox.yaml as text (cut past the size limit), or null when there is none. */
export async function readManifest(client: AgentClient): Promise<string | null> {
  let file;
  try {
    file = await client.readFile(MANIFEST_FILE);
  } catch (err) {
    if (
      err instanceof PaddockError &&
      (err.code === 'file_not_found' || err.code === 'is_a_directory')
    )
      return null;
    throw err;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of file.stream) {
    size += (chunk as Buffer).length;
    // Over the limit: keep just enough for parseManifest to report the size as the error.
    if (size > MANIFEST_LIMITS.maxBytes + 1) {
      file.stream.destroy();
      break;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
