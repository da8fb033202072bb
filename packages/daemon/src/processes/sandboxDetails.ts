import { WEB_PROCESS } from '@paddock/manifest';
import type { Preview, ProcessView, SandboxDetail } from '@paddock/shared';
import { sandboxView, type SandboxRow } from '../sandboxes/sandboxStore.js';
import type { RuntimeService } from './runtimeService.js';

export interface SandboxDetailsOptions {
  runtime: RuntimeService;
  /** Whether the app's previews are public (no link token needed). */
  isPublic: (appId: string) => Promise<boolean>;
  links: PreviewLinks;
}

/** A sandbox port's preview origin and signed links (the preview module supplies them). */
export interface PreviewLinks {
  /** `http://{port}-{id}.preview.<base>`, without a trailing slash. */
  origin(port: number, sandboxId: string): string;
  /** The origin with a signed, expiring link token for the row's current preview epoch. */
  signedLink(row: SandboxRow, port: number): Promise<{ url: string; expiresAt: Date }>;
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
    const isPublic = row.app_id !== null && (await this.o.isPublic(row.app_id));
    if (port === null) return { url: null, status: 'none', public: isPublic, expires_at: null };
    const origin = `${this.o.links.origin(port, row.id)}/`;
    const status = previewStatus(row, processes);
    if (isPublic) return { url: origin, status, public: true, expires_at: null };
    const { url, expiresAt } = await this.o.links.signedLink(row, port);
    return {
      url,
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
