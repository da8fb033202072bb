import type { Preview, ProcessView, SandboxDetail } from '@paddock/shared';
import type { AppStore } from '../apps/appStore.js';
import { PREVIEW_TOKEN_PARAM, type PreviewAddress, type PreviewTokens } from '@paddock/preview';
import { sandboxView, type SandboxRow } from '../sandboxes/sandboxStore.js';
import { WEB_PROCESS } from './manifestSpecs.js';
import type { RuntimeService } from './runtimeService.js';

export interface SandboxDetailsOptions {
  runtime: RuntimeService;
  apps: AppStore;
  tokens: PreviewTokens;
  address: () => PreviewAddress;
}

/** A sandbox as GET /v1/sandboxes/{id} and the apps API show it: with processes and preview. */
export class SandboxDetails {
  constructor(private readonly o: SandboxDetailsOptions) {}

  async of(row: SandboxRow): Promise<SandboxDetail> {
    const state = this.o.runtime.state(row.id);
    // An agent that does not answer shows no processes; the sandbox's own status says why.
    const processes = await this.o.runtime.processes(row).catch((): ProcessView[] => []);
    return {
      ...sandboxView(row),
      preview: await this.preview(row, state.manifest?.web?.port ?? row.web_port, processes),
      processes,
      manifest: { source: state.source, errors: state.errors },
    };
  }

  private async preview(
    row: SandboxRow,
    port: number | null,
    processes: ProcessView[],
  ): Promise<Preview> {
    const isPublic = row.app_id !== null && (await this.o.apps.getById(row.app_id))?.public === 1;
    if (port === null) return { url: null, status: 'none', public: isPublic, expires_at: null };
    const origin = `${this.o.address().origin(port, row.id)}/`;
    const status = previewStatus(row, processes);
    if (isPublic) return { url: origin, status, public: true, expires_at: null };
    const { token, expiresAt } = await this.o.tokens.issue('link', {
      sandboxId: row.id,
      port,
      epoch: row.preview_epoch,
    });
    return {
      url: `${origin}?${PREVIEW_TOKEN_PARAM}=${token}`,
      status,
      public: false,
      expires_at: expiresAt.toISOString(),
    };
  }
}

function previewStatus(row: SandboxRow, processes: ProcessView[]): Preview['status'] {
  if (row.status === 'starting') return 'starting';
  if (row.status !== 'running') return 'down';
  const web = processes.find((p) => p.name === WEB_PROCESS && p.kind === 'web');
  if (!web) return 'down';
  if (web.health === 'ready') return 'ready';
  if (web.status === 'starting') return 'starting';
  return 'down';
}
