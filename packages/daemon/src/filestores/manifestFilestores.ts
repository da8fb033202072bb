import type { FastifyBaseLogger } from 'fastify';
import type { RuntimeManifest } from '@paddock/shared';
import type { SandboxService, SandboxStore } from '../sandboxes/index.js';
import { LOCAL_BACKEND } from './filestoreBackends.js';
import type { FilestoreStore, SandboxFilestoreRow } from './filestoreStore.js';

/**
 * An app's `sandbox.yaml` names the filestores its sandbox has (`filestores:`). When what it
 * names differs from what the sandbox has, the owner's filestores of those names are made (on
 * the local backend) when missing, and the sandbox restarts with them: mounts are fixed for a
 * boot. Standalone sandboxes take theirs from the create request only.
 */
export class ManifestFilestores {
  constructor(
    private readonly o: {
      store: FilestoreStore;
      sandboxStore: SandboxStore;
      sandboxes: SandboxService;
      log: FastifyBaseLogger;
    },
  ) {}

  async apply(sandboxId: string, manifest: RuntimeManifest | null): Promise<void> {
    const row = await this.o.sandboxStore.getForPreview(sandboxId);
    if (!row || row.app_id === null || row.status !== 'running') return;
    const wanted: SandboxFilestoreRow[] = [];
    for (const m of manifest?.filestores ?? []) {
      const store =
        (await this.o.store.find(row.owner_id, m.name)) ??
        (await this.o.store.insert(row.owner_id, m.name, LOCAL_BACKEND)) ??
        (await this.o.store.find(row.owner_id, m.name));
      if (!store) return;
      wanted.push({
        sandbox_id: sandboxId,
        filestore_id: store.id,
        path: m.path,
        mode: m.mode,
        copy_dir: null,
        synced_at: null,
      });
    }
    const key = (r: Pick<SandboxFilestoreRow, 'filestore_id' | 'path' | 'mode'>) =>
      `${r.filestore_id} ${r.path} ${r.mode}`;
    const have = (await this.o.store.mountsOf(sandboxId)).map(key).sort();
    if (JSON.stringify(have) === JSON.stringify(wanted.map(key).sort())) return;
    this.o.log.info(
      { sandbox_id: sandboxId, filestores: wanted.length },
      "sandbox.yaml changed the sandbox's filestores: restarting it with them",
    );
    await this.o.sandboxes.whileStopped(row.owner_id, sandboxId, () =>
      this.o.store.replaceMounts(sandboxId, wanted),
    );
  }
}
