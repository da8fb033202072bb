import fs from 'node:fs';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { syncDown, syncUp, type SyncBaseline } from '@paddock/filestores';
import { PaddockError, type DataMount, type FilestoreMountRequest } from '@paddock/shared';
import type { DataScope } from '../auth/sandboxTokens.js';
import type { DataMountProvider, PreparedDataMounts } from '../sandboxes/sandboxLifecycle.js';
import type { SandboxRow } from '../sandboxes/sandboxStore.js';
import type { FilestoreBackends } from './filestoreBackends.js';
import type { FilestoreRow, FilestoreStore, SandboxFilestoreRow } from './filestoreStore.js';

/** What one sync of a read-write copy sent home. */
export interface SyncCount {
  filestore_id: string;
  uploaded: number;
  deleted: number;
  bytes: number;
}

/**
 * Filestores inside sandboxes (ADR 0034). A local filestore's own directory is bound in (the
 * kernel keeps `ro` read-only); an S3 one is copied into a directory of the sandbox's own
 * before each boot and, when `rw`, its changes are sent home at every halt and when asked. The
 * daemon stays the only client of the bucket. A sandbox's token names the same filestores with
 * the same operations.
 */
export class FilestoreMounts implements DataMountProvider {
  private readonly copiesDir: string;

  constructor(
    private readonly o: {
      store: FilestoreStore;
      backends: FilestoreBackends;
      dataDir: string;
      log: FastifyBaseLogger;
      /** The owner's filestore byte limit; null: none. */
      quotaBytes: (owner: string) => Promise<number | null>;
    },
  ) {
    this.copiesDir = path.join(o.dataDir, 'filestores', 'copies');
  }

  async prepare(owner: string, requests: FilestoreMountRequest[]): Promise<PreparedDataMounts> {
    const resolved = await this.resolve(owner, requests);
    const copies: string[] = [];
    const release = async () => {
      for (const dir of copies) removeCopy(dir);
    };
    const rows: Omit<SandboxFilestoreRow, 'sandbox_id'>[] = [];
    const mounts: DataMount[] = [];
    try {
      for (const { request, row } of resolved) {
        const mode = request.mode ?? 'ro';
        const at = request.path ?? null;
        let copyDir: string | null = null;
        if (at !== null) {
          const source = await this.source(row);
          copyDir = source.copy ? source.dir : null;
          if (copyDir) copies.push(copyDir);
          mounts.push({ source: source.dir, target: at, readOnly: mode === 'ro' });
        }
        rows.push({
          filestore_id: row.id,
          path: at,
          mode,
          copy_dir: copyDir,
          synced_at: copyDir ? new Date().toISOString() : null,
        });
      }
    } catch (err) {
      await release();
      throw err;
    }
    return {
      mounts,
      bind: (sandboxId) => this.o.store.bind(rows.map((r) => ({ ...r, sandbox_id: sandboxId }))),
      release,
    };
  }

  async forStart(sandbox: SandboxRow): Promise<DataMount[]> {
    const mounts: DataMount[] = [];
    for (const m of await this.o.store.mountsOf(sandbox.id)) {
      if (m.path === null) continue;
      // A copy left by a sandbox that died while the daemon was away goes home first.
      if (m.copy_dir !== null) await this.bringHome(sandbox.id, m);
      const row = await this.o.store.getById(m.filestore_id);
      if (!row) continue;
      const source = await this.source(row);
      if (source.copy) {
        await this.o.store.setCopy(sandbox.id, row.id, {
          copy_dir: source.dir,
          synced_at: new Date().toISOString(),
        });
      }
      mounts.push({ source: source.dir, target: m.path, readOnly: m.mode === 'ro' });
    }
    return mounts;
  }

  async halted(id: string): Promise<void> {
    for (const m of await this.o.store.mountsOf(id)) {
      try {
        if (m.copy_dir !== null) await this.bringHome(id, m);
        if (m.mode === 'rw') await this.measure(m.filestore_id);
      } catch (err) {
        this.o.log.warn(
          { err, sandbox_id: id, filestore_id: m.filestore_id },
          'a filestore sync failed',
        );
      }
    }
  }

  async scopesFor(id: string): Promise<DataScope[]> {
    return (await this.o.store.mountsOf(id)).map((m) => ({
      filesystem_id: m.filestore_id,
      ops: m.mode === 'rw' ? ['read', 'write'] : ['read'],
    }));
  }

  /** A running sandbox's read-write copies, sent home now; the copies stay. */
  async syncNow(sandboxId: string): Promise<SyncCount[]> {
    const out: SyncCount[] = [];
    for (const m of await this.o.store.mountsOf(sandboxId)) {
      if (m.copy_dir === null || m.mode !== 'rw') continue;
      out.push(await this.sendHome(sandboxId, m, m.copy_dir));
      await this.measure(m.filestore_id);
    }
    return out;
  }

  private async resolve(owner: string, requests: FilestoreMountRequest[]) {
    if (requests.some((r) => r.mode === 'rw')) await this.roomToWrite(owner);
    const out: { request: FilestoreMountRequest; row: FilestoreRow }[] = [];
    const targets: string[] = [];
    for (const request of requests) {
      const row = await this.o.store.find(owner, request.filestore);
      if (!row) throw new PaddockError('not_found', `no filestore ${request.filestore}`);
      if (out.some((r) => r.row.id === row.id)) {
        throw new PaddockError('bad_request', `filestore ${row.name} is asked for twice`);
      }
      if (request.path !== undefined) {
        const clash = targets.find(
          (t) =>
            t === request.path ||
            t.startsWith(`${request.path}/`) ||
            request.path!.startsWith(`${t}/`),
        );
        if (clash !== undefined) {
          throw new PaddockError('bad_request', `${request.path} overlaps ${clash}`);
        }
        targets.push(request.path);
      }
      out.push({ request, row });
    }
    return out;
  }

  /** A read-write mount is refused to an owner whose filestores already fill the quota. */
  private async roomToWrite(owner: string): Promise<void> {
    const limit = await this.o.quotaBytes(owner);
    if (limit === null) return;
    const used = await this.o.store.ownerBytes(owner);
    if (used >= limit) {
      throw new PaddockError(
        'quota_exceeded',
        `the owner's filestores hold ${used} of ${limit} bytes; a read-write mount needs room`,
        { limit, used },
      );
    }
  }

  /** Where a filestore's files come from for one boot: its own directory, or a fresh copy. */
  private async source(row: FilestoreRow): Promise<{ dir: string; copy: boolean }> {
    const loc = { key: row.location_key };
    if (!this.o.backends.isCopied(row.backend)) {
      return { dir: await this.o.backends.localDirectory(loc), copy: false };
    }
    fs.mkdirSync(this.copiesDir, { recursive: true, mode: 0o700 });
    const dir = fs.mkdtempSync(path.join(this.copiesDir, `${row.id}-`));
    // Sandboxes run as uids of their own: the copy's root must let them in.
    fs.chmodSync(dir, 0o755);
    try {
      const baseline = await syncDown(await this.o.backends.get(row.backend), loc, dir);
      writeBaseline(dir, baseline);
    } catch (err) {
      removeCopy(dir);
      throw err;
    }
    return { dir, copy: true };
  }

  /** A halted sandbox's copy: its changes sent home when `rw`, then removed. */
  private async bringHome(sandboxId: string, m: SandboxFilestoreRow): Promise<void> {
    const dir = m.copy_dir!;
    if (m.mode === 'rw' && fs.existsSync(dir)) await this.sendHome(sandboxId, m, dir);
    removeCopy(dir);
    await this.o.store.setCopy(sandboxId, m.filestore_id, { copy_dir: null });
  }

  private async sendHome(
    sandboxId: string,
    m: SandboxFilestoreRow,
    dir: string,
  ): Promise<SyncCount> {
    const row = await this.o.store.getById(m.filestore_id);
    if (!row) return { filestore_id: m.filestore_id, uploaded: 0, deleted: 0, bytes: 0 };
    const backend = await this.o.backends.get(row.backend);
    const sent = await syncUp(backend, { key: row.location_key }, dir, readBaseline(dir));
    writeBaseline(dir, sent.baseline);
    await this.o.store.setCopy(sandboxId, row.id, {
      copy_dir: m.copy_dir,
      synced_at: new Date().toISOString(),
    });
    return {
      filestore_id: row.id,
      uploaded: sent.uploaded,
      deleted: sent.deleted,
      bytes: sent.bytes,
    };
  }

  private async measure(filestoreId: string): Promise<void> {
    const row = await this.o.store.getById(filestoreId);
    if (!row) return;
    const backend = await this.o.backends.get(row.backend);
    await this.o.store.usage(row.id, await backend.usage({ key: row.location_key }));
  }
}

/** Kept beside the copy (not in it, where the sandbox could change it). */
function baselineFile(dir: string): string {
  return `${dir}.baseline.json`;
}

function writeBaseline(dir: string, baseline: SyncBaseline): void {
  fs.writeFileSync(baselineFile(dir), JSON.stringify(baseline), { mode: 0o600 });
}

function readBaseline(dir: string): SyncBaseline {
  return JSON.parse(fs.readFileSync(baselineFile(dir), 'utf8')) as SyncBaseline;
}

function removeCopy(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(baselineFile(dir), { force: true });
}
