import type { AppBundle, AppBundleSource } from '@paddock/app-origin';
import { holds } from '@paddock/shared';
import type { ApiKeyStore } from '../auth/apiKeyStore.js';
import type { SettingsStore } from '../settings/settingsStore.js';
import type { UserspaceFiles } from '../userspace/userspaceFiles.js';
import type { UserspaceStore } from '../userspace/userspaceStore.js';
import { granted, runs, tierOf } from '../userspace/userspaceView.js';

/**
 * What the app origin server asks of the daemon, answered from the store at every request:
 * a web app that runs (enabled, not trashed, not waiting for its first consent), its version
 * in use and that version's directory, its tier now, and the `network:` origins it holds now
 * (granted and not forbidden to its tier by the admin). A revoke, a disable or an update takes
 * effect on the next request.
 */
export function userspaceBundles(d: {
  store: UserspaceStore;
  files: UserspaceFiles;
  settings: SettingsStore;
  apiKeys: ApiKeyStore;
}): AppBundleSource {
  return {
    async bundle(appId): Promise<AppBundle | null> {
      const row = await d.store.get(appId);
      if (!row || row.app_type !== 'web' || !runs(row)) return null;
      const tier = tierOf(row, await d.store.isPinned(appId));
      const forbidden = d.settings.get().userspace_forbidden_capabilities[tier] ?? [];
      const connect = granted(row)
        .filter((c) => c.startsWith('network:') && holds(tier, granted(row), forbidden, c))
        .map((c) => c.slice('network:'.length));
      return {
        appId,
        version: row.version,
        dir: d.files.codeDir(appId, row.version),
        tier,
        connect,
      };
    },
    async keyActive(keyId) {
      if (keyId === 'admin-token') return true;
      return (await d.apiKeys.findActiveById(keyId)) !== undefined;
    },
  };
}
