import fs from 'node:fs';
import type { InstallResult, ProvenanceTier } from '@paddock/shared';
import type { Actor } from '../http/principal.js';
import type { createUserspace } from '../userspace/index.js';

/** How a publish installs what it built: the userspace installer, seen from here. */
export interface PublishInstallOptions {
  source: {
    kind: 'publish';
    build_app_id: string;
    snapshot_id: string;
    task_ids: string[];
  };
  /** What the record shows; never declared by the caller. */
  provenance: Extract<ProvenanceTier, 'ai-generated' | 'user-uploaded'>;
  consent: boolean;
  actor: Actor;
}

/** Installs or updates the package at `file` (taken: moved or removed) for `owner`. */
export type PublishInstall = (
  owner: string,
  file: string,
  options: PublishInstallOptions,
) => Promise<{ created: boolean; result: InstallResult }>;

type Userspace = Pick<
  Awaited<ReturnType<typeof createUserspace>>,
  'installer' | 'service' | 'files'
>;

/**
 * The userspace module's installer as a PublishInstall: the package moves into its
 * `incoming/` (one rename), and the owner installs it as themselves, never as an admin.
 */
export function installThroughUserspace(userspace: Userspace): PublishInstall {
  return async (owner, file, options) => {
    const incoming = userspace.files.incomingFile();
    try {
      fs.renameSync(file, incoming);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      fs.copyFileSync(file, incoming);
      fs.rmSync(file, { force: true });
    }
    const done = await userspace.installer.install(
      { owner, admin: false, actor: options.actor },
      incoming,
      { source: options.source, provenance: options.provenance, consent: options.consent },
    );
    const app = await userspace.service.view(done.result.row);
    return { created: done.created, result: { outcome: done.result.outcome, app } };
  };
}
