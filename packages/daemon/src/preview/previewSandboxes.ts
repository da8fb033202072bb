import type { PreviewSandboxes } from '@paddock/preview';
import type { AppStore } from '../apps/appStore.js';
import type { SandboxService } from '../sandboxes/sandboxService.js';
import type { SandboxRow, SandboxStore } from '../sandboxes/sandboxStore.js';

/** The daemon's sandboxes and apps, as the preview proxy (`@paddock/preview`) asks for them. */
export function previewSandboxes(o: {
  store: SandboxStore;
  apps: AppStore;
  sandboxes: SandboxService;
}): PreviewSandboxes {
  return {
    find: (id) => o.store.getForPreview(id),
    isAppPublic: (appId) => o.apps.isPublic(appId),
    // The proxy hands back only the rows find() returned.
    wake: (sandbox) => o.sandboxes.wake(sandbox as SandboxRow),
    isWaking: (id) => o.sandboxes.isWaking(id),
    touch: (id) => o.sandboxes.touch(id),
    openPort: (sandbox, port, signal) =>
      o.sandboxes.openPort(sandbox.owner_id, sandbox.id, port, signal),
    isWebStarting: async (sandbox) => {
      const { client } = await o.sandboxes.agent(sandbox.owner_id, sandbox.id);
      const list = await client.listSupervised();
      return list.some(
        (p) => p.kind === 'web' && (p.status === 'starting' || p.status === 'backoff'),
      );
    },
  };
}
