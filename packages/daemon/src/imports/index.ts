import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PRESETS } from '@paddock/presets';
import { detectProject } from '@paddock/project-detect';
import { uploadAsTar } from '@paddock/snapshots';
import { REGENERABLE_DIRS } from '@paddock/shared';
import type { AppConfigService } from '../appConfig/appConfigService.js';
import type { AppService } from '../apps/appService.js';
import type { AppImporter, AppStore } from '../apps/index.js';
import type { AuditLog } from '../audit/auditLog.js';
import type { EventLog } from '../events/eventLog.js';
import { cloneRepository, maskInjections } from '../git/index.js';
import type { RouteInstaller } from '../http/routes.js';
import type { RuntimeService } from '../processes/index.js';
import type { SandboxService } from '../sandboxes/sandboxService.js';
import type { SandboxStore } from '../sandboxes/sandboxStore.js';
import type { SnapshotService } from '../snapshots/snapshotService.js';
import { AppImports } from './appImports.js';
import { importRoutes, type ImportRoutesOptions } from './importRoutes.js';

/**
 * Bringing a project in: from a git repository, an uploaded archive or a snapshot, with
 * detection proposing how it runs. The way out (archives, git push) lives with the apps and git.
 */
export function createImports(d: {
  apps: {
    service: AppService;
    view: ImportRoutesOptions['view'];
    acceptImports(i: AppImporter): void;
  };
  appStore: AppStore;
  sandboxes: SandboxService;
  sandboxStore: SandboxStore;
  snapshots: SnapshotService;
  runtime: RuntimeService;
  config: AppConfigService;
  events: EventLog;
  audit: AuditLog;
  allowHost: (owner: string, appId: string, host: string) => Promise<void>;
}) {
  const presetLockfiles = presetLockfileDigests();
  const imports = new AppImports({
    ...d,
    apps: d.apps.service,
    detect: (reader) => detectProject(reader, { presetLockfiles }),
    clone: async (client, source, appId) =>
      cloneRepository(client, source, maskInjections(await d.config.injections(appId))),
    // A zip becomes a tar on the way in; tar and tar.gz pass through untouched.
    tarOfUpload: (body) => uploadAsTar(body, d.snapshots.importLimits),
    uploadImport: (owner, name, tar, agentKeyId) =>
      d.snapshots.import(owner, name, tar, agentKeyId, {
        stripSingleRoot: true,
        exclude: isRegenerable,
        // Unlike a snapshot of one's own, a project from elsewhere may not point out of itself.
        linksOut: 'refuse',
      }),
  });
  d.apps.acceptImports(imports);
  const routes: RouteInstaller = async (app) => {
    await app.register(importRoutes, { imports, audit: d.audit, view: d.apps.view });
  };
  return { imports, routes };
}

/** sha256 of each npm preset's package-lock.json → the preset: a project with the same lockfile uses its cache. */
function presetLockfileDigests(): Map<string, string> {
  const out = new Map<string, string>();
  for (const preset of PRESETS) {
    if (preset.dependencies !== 'npm') continue;
    const lock = fs.readFileSync(path.join(preset.templateDir, 'package-lock.json'));
    out.set(crypto.createHash('sha256').update(lock).digest('hex'), preset.name);
  }
  return out;
}

/** Directories an upload may carry that an install or a build makes again. */
const REGENERABLE = new Set(REGENERABLE_DIRS);

function isRegenerable(entryPath: string): boolean {
  return entryPath.split('/').some((segment) => REGENERABLE.has(segment));
}
