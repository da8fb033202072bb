import type { FastifyBaseLogger } from 'fastify';
import {
  PaddockError,
  type DataMount,
  type FilestoreMountRequest,
  type RuntimeManifest,
  type WorkspaceMount,
} from '@paddock/shared';
import type { DataScope } from '../auth/sandboxTokens.js';
import type { SandboxRow } from './sandboxStore.js';

/**
 * What happens to a sandbox, told to whoever cares: the runtime applies its manifest after a
 * boot, the egress proxy listens for it, credentials are written, tasks are canceled when it
 * stops, the preview forgets its upstream when it ends. `SandboxService` emits; each module subscribes inside its own folder,
 * so the lifecycle never calls into a module it knows by name.
 */
export interface SandboxLifecycleEvents {
  /** After every boot (create, start, wake), in subscription order, awaited. */
  booted: (row: SandboxRow) => Promise<void>;
  /**
   * A sandbox that kept running across a daemon restart, once the daemon serves again: its
   * manifest is read again, its egress listener offered again. Not awaited.
   */
  adopted: (row: SandboxRow) => Promise<void>;
  /** A stop or a delete was asked for, before the driver acts. Synchronous and quick. */
  stopping: (id: string) => void;
  /** A boot is over: stopping, failed, restarting or deleted. Synchronous and quick. */
  ended: (id: string) => void;
  /** The row changed in a way observers cache (status, preview epoch, its app's visibility). */
  changed: (id: string) => void;
  /** The sandbox is gone (its row is kept for history): what was kept for it can go too. */
  deleted: (id: string) => void;
  /**
   * The runtime applied a manifest to the running sandbox: after a boot, an adoption or a
   * change of `sandbox.yaml` (an invalid one applies nothing). Null: it runs without one.
   */
  manifestApplied: (id: string, manifest: RuntimeManifest | null) => void;
}

/** Read-only mounts a sandbox boots with (an app's shared dependency cache). */
export type MountProvider = (row: SandboxRow) => Promise<WorkspaceMount[]>;

/** A new sandbox's filestores, ready before the driver makes it (which picks its id). */
export interface PreparedDataMounts {
  mounts: DataMount[];
  /** Records them as the sandbox's once it exists. */
  bind(sandboxId: string): Promise<void>;
  /** The sandbox was not made: what was prepared for it goes. */
  release(): Promise<void>;
}

/**
 * Filestores shown in sandboxes (the filestores module provides it): prepared before every
 * boot, brought home after every halt (a stop, a delete, a sandbox found dead), and named in
 * the sandbox's token.
 */
export interface DataMountProvider {
  prepare(owner: string, requests: FilestoreMountRequest[]): Promise<PreparedDataMounts>;
  forStart(row: SandboxRow): Promise<DataMount[]>;
  /** After the driver stopped or removed the sandbox; awaited, never throws. */
  halted(id: string): Promise<void>;
  scopesFor(id: string): Promise<DataScope[]>;
}

const NO_DATA_MOUNTS: DataMountProvider = {
  prepare: async (_owner, requests) => {
    if (requests.length > 0) {
      throw new PaddockError('bad_request', 'this daemon serves no filestores');
    }
    return { mounts: [], bind: async () => undefined, release: async () => undefined };
  },
  forStart: async () => [],
  halted: async () => undefined,
  scopesFor: async () => [],
};

type Listeners = { [E in keyof SandboxLifecycleEvents]: SandboxLifecycleEvents[E][] };

export class SandboxLifecycle {
  private readonly listeners: Listeners = {
    booted: [],
    adopted: [],
    stopping: [],
    ended: [],
    changed: [],
    deleted: [],
    manifestApplied: [],
  };
  private mountProvider: MountProvider = async () => [];
  private dataMountProvider: DataMountProvider = NO_DATA_MOUNTS;

  constructor(private readonly log: FastifyBaseLogger) {}

  on<E extends keyof SandboxLifecycleEvents>(event: E, listener: SandboxLifecycleEvents[E]): void {
    (this.listeners[event] as SandboxLifecycleEvents[E][]).push(listener);
  }

  /** One provider: the mounts are a fact of the sandbox's preset, not a vote. */
  provideMounts(provider: MountProvider): void {
    this.mountProvider = provider;
  }

  mountsFor(row: SandboxRow): Promise<WorkspaceMount[]> {
    return this.mountProvider(row);
  }

  provideDataMounts(provider: DataMountProvider): void {
    this.dataMountProvider = provider;
  }

  get dataMounts(): DataMountProvider {
    return this.dataMountProvider;
  }

  /** A listener's failure is logged and does not keep the next one from running. */
  async booted(row: SandboxRow): Promise<void> {
    for (const listener of this.listeners.booted) {
      await listener(row).catch((err: unknown) => {
        this.log.warn({ err, sandbox_id: row.id }, 'a boot listener failed');
      });
    }
  }

  adopted(row: SandboxRow): void {
    for (const listener of this.listeners.adopted) {
      void listener(row).catch((err: unknown) => {
        this.log.warn({ err, sandbox_id: row.id }, 'an adoption listener failed');
      });
    }
  }

  stopping(id: string): void {
    this.emit('stopping', id);
  }

  ended(id: string): void {
    this.emit('ended', id);
  }

  changed(id: string): void {
    this.emit('changed', id);
  }

  deleted(id: string): void {
    this.emit('deleted', id);
  }

  manifestApplied(id: string, manifest: RuntimeManifest | null): void {
    for (const listener of this.listeners.manifestApplied)
      this.guard(id, 'manifest', () => listener(id, manifest));
  }

  private emit(event: 'stopping' | 'ended' | 'changed' | 'deleted', id: string): void {
    for (const listener of this.listeners[event]) this.guard(id, event, () => listener(id));
  }

  private guard(id: string, event: string, run: () => void): void {
    try {
      run();
    } catch (err) {
      this.log.warn({ err, sandbox_id: id }, `a sandbox ${event} listener failed`);
    }
  }
}
