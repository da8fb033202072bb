import type { Readable } from 'node:stream';
import {
  FilestoreUnavailable,
  TooLarge,
  checkFilePath,
  checkListPrefix,
  type FileEntry,
  type FilestoreBackend,
  type ListPage,
  type OpenedObject,
} from '@paddock/filestores';
import {
  PaddockError,
  type CreateFilestoreBody,
  type Filestore,
  type FilestoreOp,
} from '@paddock/shared';
import type { AuditLog } from '../audit/auditLog.js';
import type { DaemonMetrics } from '../http/metrics.js';
import { isStorageFullCode, storageFullError } from '../store/storageFull.js';
import type { Actor, Principal } from '../http/principal.js';
import { LOCAL_BACKEND, type FilestoreBackends } from './filestoreBackends.js';
import { filestoreView, type FilestoreRow, type FilestoreStore } from './filestoreStore.js';

/** Who calls the broker: a key's principal, or a sandbox's token with its data scopes. */
export interface FilestoreCaller {
  principal: Principal;
  actor: Actor;
}

type FileOp = 'list' | 'stat' | 'read' | 'write' | 'delete' | 'move';

/** The token operation each file operation needs. */
const NEEDS: Record<FileOp, FilestoreOp> = {
  list: 'read',
  stat: 'read',
  read: 'read',
  write: 'write',
  delete: 'write',
  move: 'write',
};

/**
 * The storage broker: filestores and their files, for keys (the owner's) and for sandboxes
 * (what their token names, and nothing else). It maps (owner, filestore) to a backend place
 * itself, checks the caller, measures usage against the owner's quota, and records every
 * operation in the audit with its decision, and in the metrics.
 */
export class FilestoreService {
  constructor(
    private readonly o: {
      store: FilestoreStore;
      backends: FilestoreBackends;
      audit: AuditLog;
      metrics: DaemonMetrics;
      /** The owner's filestore byte limit; null: none. */
      quotaBytes: (owner: string) => Promise<number | null>;
    },
  ) {}

  async create(owner: string, body: CreateFilestoreBody, actor: Actor): Promise<Filestore> {
    const backend = body.backend ?? LOCAL_BACKEND;
    await this.o.backends.get(backend); // not_found for a backend nobody added
    const row = await this.o.store.insert(owner, body.name, backend);
    if (!row) throw new PaddockError('already_exists', `a filestore ${body.name} exists`);
    await this.o.audit.record({
      actor,
      action: 'filestore.create',
      target: { type: 'filestore', id: row.id },
      details: { backend },
    });
    return filestoreView(row);
  }

  async list(owner: string): Promise<Filestore[]> {
    return (await this.o.store.list(owner)).map(filestoreView);
  }

  async get(owner: string, idOrName: string): Promise<FilestoreRow> {
    const row = await this.o.store.find(owner, idOrName);
    if (!row) throw new PaddockError('not_found', `no filestore ${idOrName}`);
    return row;
  }

  async delete(owner: string, idOrName: string, actor: Actor): Promise<void> {
    const row = await this.get(owner, idOrName);
    const holders = await this.o.store.holders(row.id);
    if (holders.length > 0) {
      throw new PaddockError(
        'conflict',
        `sandbox ${holders[0]} has filestore ${row.name}; delete the sandbox first`,
        { sandboxes: holders },
      );
    }
    await this.upstream('delete', row.backend, async (b) => b.removeAll(place(row)));
    await this.o.store.remove(row.id);
    await this.o.audit.record({
      actor,
      action: 'filestore.delete',
      target: { type: 'filestore', id: row.id },
      details: { backend: row.backend, bytes: row.bytes },
    });
  }

  listFiles(
    caller: FilestoreCaller,
    idOrName: string,
    q: { prefix?: string; cursor?: string; limit?: number },
  ): Promise<ListPage> {
    return this.operate(caller, idOrName, 'list', (b, row) => {
      const prefix = q.prefix === undefined || q.prefix === '' ? undefined : q.prefix;
      if (prefix !== undefined) checkListPrefix(prefix);
      return b.list(place(row), {
        ...(prefix === undefined ? {} : { prefix }),
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
        limit: q.limit ?? 100,
      });
    });
  }

  stat(caller: FilestoreCaller, idOrName: string, filePath: string): Promise<FileEntry> {
    return this.operate(caller, idOrName, 'stat', async (b, row) => {
      const entry = await b.stat(place(row), checked(filePath));
      if (!entry) throw new PaddockError('file_not_found', `no file ${filePath}`);
      return entry;
    });
  }

  /**
   * The file opened for reading. `range`, when the caller asks for one, is worked out once the
   * size is known (a stat first); a whole read is one call to the backend. Bytes read are
   * counted when the stream ends.
   */
  read(
    caller: FilestoreCaller,
    idOrName: string,
    filePath: string,
    range: ((size: number) => { start: number; end: number } | null) | null,
  ): Promise<OpenedObject & { range: { start: number; end: number } | null }> {
    return this.operate(caller, idOrName, 'read', async (b, row) => {
      const loc = place(row);
      let asked: { start: number; end: number } | null = null;
      if (range) {
        const entry = await b.stat(loc, checked(filePath));
        if (!entry) throw new PaddockError('file_not_found', `no file ${filePath}`);
        asked = range(entry.size);
      }
      const opened = await b.get(loc, checked(filePath), asked ?? undefined);
      if (!opened) throw new PaddockError('file_not_found', `no file ${filePath}`);
      const bytes = asked ? asked.end - asked.start + 1 : opened.entry.size;
      opened.stream.once('end', () =>
        this.o.metrics.filestoreBytes.inc({ direction: 'out', backend: row.backend }, bytes),
      );
      return { ...opened, range: asked };
    });
  }

  write(
    caller: FilestoreCaller,
    idOrName: string,
    filePath: string,
    body: Readable,
  ): Promise<FileEntry> {
    return this.operate(caller, idOrName, 'write', async (b, row) => {
      const loc = place(row);
      const before = await b.stat(loc, checked(filePath));
      const limit = await this.o.quotaBytes(row.owner_id);
      const room =
        limit === null
          ? undefined
          : Math.max(
              0,
              limit - ((await this.o.store.ownerBytes(row.owner_id)) - (before?.size ?? 0)),
            );
      let written: FileEntry;
      try {
        written = await b.put(loc, filePath, body, room === undefined ? {} : { maxBytes: room });
      } catch (err) {
        if (err instanceof TooLarge) {
          throw new PaddockError(
            'quota_exceeded',
            `the owner's filestores may hold ${limit} bytes in all; this write would pass that`,
            { limit, room },
          );
        }
        throw err;
      }
      await this.o.store.addUsage(row.id, written.size - (before?.size ?? 0), before ? 0 : 1);
      this.o.metrics.filestoreBytes.inc({ direction: 'in', backend: row.backend }, written.size);
      return written;
    });
  }

  deleteFile(caller: FilestoreCaller, idOrName: string, filePath: string): Promise<void> {
    return this.operate(caller, idOrName, 'delete', async (b, row) => {
      const loc = place(row);
      const before = await b.stat(loc, checked(filePath));
      if (!before || !(await b.delete(loc, filePath))) {
        throw new PaddockError('file_not_found', `no file ${filePath}`);
      }
      await this.o.store.addUsage(row.id, -before.size, -1);
    });
  }

  move(caller: FilestoreCaller, idOrName: string, from: string, to: string): Promise<FileEntry> {
    return this.operate(caller, idOrName, 'move', async (b, row) => {
      const loc = place(row);
      checked(from);
      const replaced = await b.stat(loc, checked(to));
      if (!(await b.move(loc, from, to))) {
        throw new PaddockError('file_not_found', `no file ${from}`);
      }
      if (replaced) await this.o.store.addUsage(row.id, -replaced.size, -1);
      const moved = await b.stat(loc, to);
      if (!moved) throw new PaddockError('file_not_found', `no file ${to}`);
      return moved;
    });
  }

  /**
   * One file operation: the caller checked against the filestore (a sandbox only through its
   * token's scope), the backend timed, the outcome counted and audited either way.
   */
  private async operate<T>(
    caller: FilestoreCaller,
    idOrName: string,
    op: FileOp,
    fn: (backend: FilestoreBackend, row: FilestoreRow) => Promise<T>,
  ): Promise<T> {
    const p = caller.principal;
    const row = await this.o.store.find(p.owner, idOrName);
    const scoped = p.role === 'sandbox' ? p.sandbox : undefined;
    const auditOf = (outcome: 'ok' | 'denied' | 'failed', code?: string) =>
      this.o.audit.record({
        actor: caller.actor,
        action: `filestore.${op}`,
        target: { type: 'filestore', id: row?.id ?? idOrName.slice(0, 64) },
        outcome,
        details: {
          op,
          decision: outcome === 'denied' ? 'deny' : 'allow',
          ...(scoped ? { sandbox: scoped.id, boot: scoped.boot } : {}),
          ...(code ? { code } : {}),
        },
      });
    const allowed =
      row !== undefined &&
      (scoped === undefined ||
        scoped.data.some((d) => d.filesystem_id === row.id && d.ops.includes(NEEDS[op])));
    if (!allowed) {
      this.o.metrics.filestoreRequests.inc({
        op,
        backend: row?.backend ?? 'none',
        outcome: 'denied',
      });
      await auditOf('denied', row ? 'forbidden' : 'not_found');
      if (row && scoped) {
        this.o.metrics.filestoreAuthErrors.inc({ caller: 'sandbox' });
        throw new PaddockError(
          'forbidden',
          `this sandbox's token does not name filestore ${row.name} for ${NEEDS[op]}`,
        );
      }
      throw new PaddockError('not_found', `no filestore ${idOrName}`);
    }
    try {
      const result = await this.upstream(op, row.backend, (b) => fn(b, row));
      this.o.metrics.filestoreRequests.inc({ op, backend: row.backend, outcome: 'ok' });
      await auditOf('ok');
      return result;
    } catch (err) {
      const code = err instanceof PaddockError ? err.code : 'internal';
      this.o.metrics.filestoreRequests.inc({ op, backend: row.backend, outcome: code });
      await auditOf('failed', code);
      throw err;
    }
  }

  /** A backend call, timed, with a backend failure turned into the API's error. */
  private async upstream<T>(
    op: string,
    backendName: string,
    fn: (backend: FilestoreBackend) => Promise<T>,
  ): Promise<T> {
    const backend = await this.o.backends.get(backendName);
    const stop = this.o.metrics.filestoreUpstreamSeconds.startTimer({ op, backend: backendName });
    try {
      return await fn(backend);
    } catch (err) {
      if (err instanceof FilestoreUnavailable && isStorageFullCode(err.reason)) {
        throw storageFullError();
      }
      if (err instanceof FilestoreUnavailable) {
        throw new PaddockError('filestore_unavailable', `the ${backendName} backend failed`, {
          error: err.reason,
        });
      }
      throw err;
    } finally {
      stop();
    }
  }
}

function place(row: FilestoreRow) {
  return { key: row.location_key };
}

function checked(filePath: string): string {
  checkFilePath(filePath);
  return filePath;
}
