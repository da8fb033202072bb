import type { FastifyBaseLogger } from 'fastify';
import type { AppStore } from '../apps/appStore.js';
import type { ListenAddress } from '../http/listenAddress.js';
import type { PreviewLinks } from '../processes/sandboxDetails.js';
import type { SandboxLifecycle } from '../sandboxes/sandboxLifecycle.js';
import type { SandboxService } from '../sandboxes/sandboxService.js';
import type { SandboxStore } from '../sandboxes/sandboxStore.js';
import type { SettingsStore } from '../settings/settingsStore.js';
import { stateKey } from '@paddock/keys';
import { PREVIEW_TOKEN_PARAM, PreviewAddress, PreviewProxy, PreviewTokens } from '@paddock/preview';
import { previewSandboxes } from './previewSandboxes.js';

/**
 * Previews: `{port}-{id}.preview.<base>` served through the daemon's own listener, private
 * behind signed expiring links and cookies, waking a stopped sandbox on request.
 */
export function createPreview(d: {
  /** `PADDOCK_PREVIEW_URL`; unset: `http://preview.localhost:<the daemon's port>`. */
  previewUrl: string | undefined;
  listen: ListenAddress;
  stateDir: string;
  store: SandboxStore;
  apps: AppStore;
  sandboxes: SandboxService;
  lifecycle: SandboxLifecycle;
  settings: SettingsStore;
  log: FastifyBaseLogger;
}) {
  const fixed = d.previewUrl === undefined ? undefined : new PreviewAddress(d.previewUrl);
  let made: { port: number; address: PreviewAddress } | undefined;
  const address = (): PreviewAddress => {
    if (fixed) return fixed;
    // The daemon's own port is only known once it listens (PADDOCK_PORT=0 picks one).
    const port = d.listen.port;
    if (made?.port !== port)
      made = { port, address: new PreviewAddress(`http://preview.localhost:${port}`) };
    return made.address;
  };
  const tokens = new PreviewTokens(stateKey(d.stateDir, 'preview-key'));
  const proxy = new PreviewProxy({
    address,
    tokens,
    sandboxes: previewSandboxes(d),
    log: d.log.child({ component: 'preview' }),
    rates: () => {
      const s = d.settings.get();
      return {
        perSandbox: s.rate_limit_preview_sandbox_per_minute,
        perAddress: s.rate_limit_preview_address_per_minute,
      };
    },
  });
  d.lifecycle.on('ended', (id) => proxy.forget(id));
  d.lifecycle.on('changed', (id) => proxy.invalidate(id));
  const links: PreviewLinks & { domain(): string; frameSource(): string } = {
    domain: () => address().domain,
    frameSource: () => address().frameSource(),
    origin: (port, id) => address().origin(port, id),
    async signedLink(row, port) {
      const { token, expiresAt } = await tokens.issue('link', {
        sandboxId: row.id,
        port,
        epoch: row.preview_epoch,
      });
      return {
        url: `${address().origin(port, row.id)}/?${PREVIEW_TOKEN_PARAM}=${token}`,
        expiresAt,
      };
    },
  };
  return { proxy, links };
}
