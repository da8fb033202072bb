import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { AppDataGate, AppDataRows, AppRowsDump } from '@paddock/app-data';
import type { HostWorkspace, SandboxDriver } from '@paddock/shared';
import type { PresetMounts } from '../presets/presetMounts.js';
import type { Db } from '../store/database.js';
import type { RuntimeService } from '../processes/runtimeService.js';
import type { SandboxService } from '../sandboxes/sandboxService.js';
import type { UserspaceFiles } from './userspaceFiles.js';
import { StagedDir, settleStaged } from './stagedDir.js';
import type { UserspaceRow } from './userspaceStore.js';

/**
 * The workspace entries a code swap leaves alone: the app's data, the file system's own, and
 * the dependency trees (a mount point, and the layer of the app's own installs in it): the
 * next boot syncs them to the new version's lockfile, as for any app (ADR 0016).
 */
const KEPT = new Set(['data', 'lost+found', 'node_modules', '.venv']);
// The supervisor checks a new process every 500 ms until it is ready; asking it often is cheap.
const POLL_MS = 100;

export type Health = { healthy: true } | { healthy: false; reason: string };

/**
 * Where a service app runs: a sandbox of its own whose workspace holds the installed
 * version's files, and `data/` that outlives every version. Deploying a version swaps the
 * files with the sandbox stopped, then boots it; the runtime applies the package's
 * sandbox.yaml. The health gate asks the supervisor, and the data snapshots copy `data/` (and
 * the host's `data/<id>`, which part 2's broker fills) before an update. Data is copied, put
 * back and the version switched with the app's data gate held (ADR 0024).
 */
export class ServiceHost {
  constructor(
    private readonly o: {
      sandboxes: SandboxService;
      driver: SandboxDriver;
      runtime: RuntimeService;
      presets: PresetMounts;
      files: UserspaceFiles;
      appData: AppDataRows;
      /** Each app's data gate, which the broker's data calls hold shared. */
      dataGate: AppDataGate;
      db: Db;
      log: Logger;
    },
  ) {}

  /**
   * Puts `version`'s files in the app's sandbox (made on first use) and boots it; its id. With
   * `restoreDataOf`, the data copied before the update to that version goes back first, in the
   * same stopped window (a rollback: the old code never sees the new version's data). `record`
   * (the row's switch to `version`) runs in that window too, before the sandbox boots, holding
   * the app's data gate: no broker call of the version left behind lands after the restore.
   */
  async deploy(
    app: UserspaceRow,
    version: number,
    options: { restoreDataOf?: number; record?: (tx: Db) => Promise<void> } = {},
  ): Promise<string> {
    const code = this.o.files.codeDir(app.id, version);
    const existing = await this.sandboxOf(app);
    const restore = options.restoreDataOf;
    const record = options.record ?? (() => Promise.resolve());
    if (!existing) {
      await this.switchVersion(app, record, restore);
      const preset = runtimePreset(code);
      const row = await this.o.sandboxes.create(
        app.owner_id,
        { metadata: { 'paddock.userspace_app': app.id } },
        {
          ...(preset ? { preset } : {}),
          mounts: await this.o.presets.mountsFor(preset),
          prepare: (sb) => this.o.driver.withWorkspace(sb.id, (ws) => swapCode(ws, code)),
        },
      );
      return row.id;
    }
    // The sandbox stopped makes no new calls; the gate waits out those under way.
    await this.o.sandboxes.whileStopped(app.owner_id, existing, () =>
      this.o.dataGate.exclusive(app.id, async () => {
        if (restore !== undefined) await this.restoreHostData(app, restore);
        await this.o.driver.withWorkspace(existing, async (ws) => {
          settleStaged(ws.root);
          await swapCode(ws, code);
          if (restore !== undefined) {
            const saved = path.join(this.snapshotOf(app, restore), 'workspace');
            const data = new StagedDir(path.join(ws.root, 'data'), saved);
            try {
              chownTree(data.dir, ws);
              data.swapIn();
            } finally {
              data.finish();
            }
          }
        });
        await record(this.o.db);
      }),
    );
    await this.o.sandboxes.start(app.owner_id, existing);
    return existing;
  }

  /**
   * Records a switch of the app's version (`record`, which updates its row) holding its data
   * gate; with `restoreDataOf`, the data copied before the update to that version goes back
   * first (a web app's rollback: its windows' calls wait, and after it a call for the version
   * left behind is refused, see BrokerCallers.assertInUse), in the same transaction: `record`
   * must write through the `tx` it is given (the store is one connection: another query would
   * wait for the transaction for ever). `record`'s result.
   */
  async switchVersion<T>(
    app: UserspaceRow,
    record: (tx: Db) => Promise<T>,
    restoreDataOf?: number,
  ): Promise<T> {
    return this.o.dataGate.exclusive(app.id, async () => {
      if (restoreDataOf === undefined) return record(this.o.db);
      let recorded: { value: T } | undefined;
      await this.restoreHostData(app, restoreDataOf, async (tx) => {
        recorded = { value: await record(tx) };
      });
      return recorded!.value;
    });
  }

  /**
   * Waits until the web process answers its health check (or, without one, every worker is
   * running), at most `seconds`; the reason when it does not.
   */
  async waitHealthy(owner: string, sandboxId: string, seconds: number): Promise<Health> {
    const deadline = Date.now() + seconds * 1000;
    let last = 'no process started';
    while (Date.now() < deadline) {
      const row = await this.o.sandboxes.get(owner, sandboxId);
      const procs = await this.o.runtime.processes(row).catch(() => []);
      const web = procs.find((p) => p.kind === 'web');
      if (web) {
        if (web.health === 'ready' && web.status === 'running') return { healthy: true };
        last = `web process ${web.status}, health ${web.health ?? 'unknown'}`;
        if (web.status === 'failed') break;
      } else if (procs.length > 0) {
        if (procs.every((p) => p.status === 'running')) return { healthy: true };
        last = procs.map((p) => `${p.name} ${p.status}`).join(', ');
      }
      await sleep(POLL_MS);
    }
    return { healthy: false, reason: `not healthy within ${seconds}s: ${last}` };
  }

  async stop(app: UserspaceRow): Promise<void> {
    const id = await this.sandboxOf(app);
    if (id) await this.o.sandboxes.stop(app.owner_id, id);
  }

  async start(app: UserspaceRow): Promise<void> {
    const id = await this.sandboxOf(app);
    if (id) await this.o.sandboxes.start(app.owner_id, id);
  }

  async remove(app: UserspaceRow): Promise<void> {
    const id = await this.sandboxOf(app);
    if (id) await this.o.sandboxes.delete(app.owner_id, id);
  }

  /**
   * Copies the app's data aside before the update to `version`: its kv, table and file rows
   * (`rows.json`), its host data directory with its filestore (`host/`), and a service app's
   * workspace `data/` (`workspace/`). One moment's data: the app's data gate is held, so no
   * broker call reads or writes meanwhile, and a running service is frozen while it is copied.
   * Written beside the copy it replaces and renamed into place, so a failure leaves no half.
   */
  async snapshotData(app: UserspaceRow, version: number): Promise<void> {
    await this.o.dataGate.exclusive(app.id, async () => {
      const id = await this.sandboxOf(app);
      const snapshot = new StagedDir(this.snapshotOf(app, version));
      try {
        const copy = async (ws?: HostWorkspace) => {
          const rows = await this.o.appData.dump(app.id);
          const file = path.join(snapshot.dir, 'rows.json');
          fs.writeFileSync(file, JSON.stringify(rows), { mode: 0o600 });
          copyIfThere(this.o.files.dataDir(app.id), path.join(snapshot.dir, 'host'));
          if (ws) copyIfThere(path.join(ws.root, 'data'), path.join(snapshot.dir, 'workspace'));
        };
        if (id) await this.o.driver.withWorkspace(id, copy);
        else await copy();
        snapshot.swapIn();
      } finally {
        snapshot.finish();
      }
    });
  }

  /** Whether a copy was taken before the update to `version`. */
  hasDataSnapshot(app: UserspaceRow, version: number): boolean {
    return fs.existsSync(this.snapshotOf(app, version));
  }

  /**
   * The host half of a data restore (a web app has only this half), whole or not at all: the
   * saved directory is copied beside the app's, then one transaction replaces the rows, runs
   * `record` (a rollback's switch of version: a crash never leaves one version with the other's
   * data) and, last, renames the copy into place. A failure before the commit leaves files and
   * rows as they were. The caller holds the app's data gate.
   */
  private async restoreHostData(
    app: UserspaceRow,
    version: number,
    record?: (tx: Db) => Promise<void>,
  ): Promise<void> {
    const saved = this.snapshotOf(app, version);
    if (!fs.existsSync(saved)) return record?.(this.o.db);
    const rows = path.join(saved, 'rows.json');
    // A copy taken before the broker kept rows has none: the app had no rows then.
    const dump: AppRowsDump = fs.existsSync(rows)
      ? (JSON.parse(fs.readFileSync(rows, 'utf8')) as AppRowsDump)
      : { kv: [], table: [], files: [] };
    const data = new StagedDir(this.o.files.dataDir(app.id), path.join(saved, 'host'));
    try {
      await this.o.appData.restore(app.id, dump, {
        root: path.join(data.dir, 'files'),
        commit: async (tx) => {
          // The same store: the app data tables are the daemon's (see createAppData).
          await record?.(tx as unknown as Db);
          data.swapIn();
        },
      });
    } catch (err) {
      // Renamed in, but the commit failed: the files go back with the rows.
      data.undo();
      throw err;
    } finally {
      data.finish();
    }
  }

  private snapshotOf(app: UserspaceRow, version: number): string {
    return path.join(this.o.files.snapshotsDir(app.id), `v${version}`);
  }

  /** The app's sandbox id, if it still exists. */
  private async sandboxOf(app: UserspaceRow): Promise<string | null> {
    if (!app.sandbox_id) return null;
    try {
      await this.o.sandboxes.get(app.owner_id, app.sandbox_id);
      return app.sandbox_id;
    } catch {
      return null;
    }
  }
}

/**
 * The preset whose runtime a service package runs on: its shared dependencies under a layer of
 * the app's own, installed from the package's lockfile at boot through the egress proxy
 * (ADR 0016), and the preset's registry as its egress baseline. A package ships no
 * `node_modules`; its `package.json` makes it a Node service, `requirements.txt` a Python one.
 */
function runtimePreset(code: string): string | null {
  if (fs.existsSync(path.join(code, 'package.json'))) return 'node-express';
  if (fs.existsSync(path.join(code, 'requirements.txt'))) return 'fastapi';
  return null;
}

/** Makes the workspace hold `code`'s files, leaving what `KEPT` names as it is. */
async function swapCode(ws: HostWorkspace, code: string): Promise<void> {
  for (const name of fs.readdirSync(ws.root)) {
    if (!KEPT.has(name)) fs.rmSync(path.join(ws.root, name), { recursive: true, force: true });
  }
  for (const name of fs.readdirSync(code)) {
    if (KEPT.has(name)) continue;
    fs.cpSync(path.join(code, name), path.join(ws.root, name), { recursive: true });
    chownTree(path.join(ws.root, name), ws);
  }
  fs.mkdirSync(path.join(ws.root, 'data'), { recursive: true });
  fs.chownSync(path.join(ws.root, 'data'), ws.uid, ws.gid);
}

function chownTree(p: string, ws: HostWorkspace): void {
  fs.lchownSync(p, ws.uid, ws.gid);
  if (fs.lstatSync(p).isDirectory()) {
    for (const name of fs.readdirSync(p)) chownTree(path.join(p, name), ws);
  }
}

function copyIfThere(src: string, dest: string): void {
  if (fs.existsSync(src)) fs.cpSync(src, dest, { recursive: true, preserveTimestamps: true });
}
