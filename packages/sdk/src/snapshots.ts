import { ROUTES } from './routeTable.js';
import type { ReplyOf } from './routeTypes.js';
import type { RawBody, Transport } from './transport.js';

type Signal = { signal?: AbortSignal };
export type Snapshot = ReplyOf<typeof ROUTES.snapshots.get>;

/**
 * Snapshots: a workspace captured at one point in time (processes frozen meanwhile), kept
 * content-addressed; exported as tar, imported from tar, restored into an app or forked.
 */
export class Snapshots {
  constructor(private readonly transport: Transport) {}

  /** Captures a sandbox's workspace. */
  create(sandboxId: string, name: string, options: Signal = {}): Promise<Snapshot> {
    return this.transport.call(ROUTES.snapshots.capture, {
      params: { id: sandboxId },
      body: { name },
      signal: options.signal,
    });
  }

  get(snapshotId: string, options: Signal = {}): Promise<Snapshot> {
    return this.transport.call(ROUTES.snapshots.get, {
      params: { id: snapshotId },
      signal: options.signal,
    });
  }

  /** Deletes it; content no other snapshot shares leaves the disk. */
  async delete(snapshotId: string, options: Signal = {}): Promise<void> {
    await this.transport.call(ROUTES.snapshots.delete, {
      params: { id: snapshotId },
      signal: options.signal,
    });
  }

  /** The snapshot as a tar stream. */
  async export(snapshotId: string, options: Signal = {}): Promise<ReadableStream<Uint8Array>> {
    const res = await this.transport.send(ROUTES.snapshots.export, {
      params: { id: snapshotId },
      signal: options.signal,
    });
    return res.body ?? new Blob([]).stream();
  }

  /** Imports a tar or tar.gz (bytes or a stream) as a new snapshot. */
  async import(archive: RawBody, options: Signal & { name: string }): Promise<Snapshot> {
    const res = await this.transport.send(ROUTES.snapshots.import, {
      query: { name: options.name },
      body: archive,
      contentType: 'application/x-tar',
      signal: options.signal,
    });
    return (await res.json()) as Snapshot;
  }
}
