import { Document } from 'yaml';
import { REGISTRY_HOSTS } from './packageManager.js';
import type { PackageManager, RunPlan } from './types.js';

/** Stands in for the missing command so the manifest is valid and says, in its log, what to do. */
const PLACEHOLDER_WORKER = {
  name: 'setup',
  command:
    "echo 'Paddock could not tell how this project runs: write its web command in sandbox.yaml' >&2; exec sleep infinity",
  restart_after_task: false,
};

/**
 * The sandbox.yaml proposed for a project without one, laid out like the presets' own: a web
 * process on a fixed loopback port, an explicit build (an empty command skips it, so no preset's
 * default applies), workers, and the package manager's registries as the egress baseline.
 */
export function proposedManifest(plan: RunPlan, manager: PackageManager | null): string {
  const workers = plan.web || plan.workers.length > 0 ? plan.workers : [PLACEHOLDER_WORKER];
  const manifest = {
    version: 1,
    ...(plan.web ? { web: plan.web } : {}),
    build: plan.build ?? { command: '' },
    workers,
    egress: { allow: manager === null ? [] : [...REGISTRY_HOSTS[manager]] },
  };
  const doc = new Document(manifest);
  doc.commentBefore = [
    ' Proposed by Paddock from what it found in the project; edit it as you need.',
    ...(plan.web
      ? []
      : [
          ' It has no web process: if the app serves HTTP, write the command that starts it under `web`.',
        ]),
  ].join('\n');
  return doc.toString({ lineWidth: 0 });
}
