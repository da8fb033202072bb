import type { Injection } from '@paddock/egress';
import type { AppService } from '../apps/appService.js';
import type { AuditLog } from '../audit/auditLog.js';
import type { EventLog } from '../events/eventLog.js';
import type { RouteInstaller } from '../http/routes.js';
import type { RuntimeService } from '../processes/runtimeService.js';
import type { SandboxService } from '../sandboxes/sandboxService.js';
import { gitRoutes } from './gitRoutes.js';
import { GitService } from './gitService.js';

export {
  cloneRepository,
  isGitUrl,
  originUrl,
  type GitWorkspace,
  type MaskSecrets,
} from './gitRemote.js';
export { maskInjections } from './injectionMask.js';
export type { GitService } from './gitService.js';

/**
 * git in and out of an app: its history pushed to a remote branch, a remote branch pulled in
 * as a checkpoint, and (for imports) a clone into a fresh workspace. git runs inside the app's
 * sandbox, through the egress proxy, which injects the app's token for the remote's host.
 */
export function createGit(d: {
  apps: AppService;
  sandboxes: SandboxService;
  runtime: RuntimeService;
  events: EventLog;
  audit: AuditLog;
  injections: (appId: string) => Promise<Injection[]>;
  exclusive: <T>(sandboxId: string, fn: () => Promise<T>) => Promise<T>;
}) {
  const service = new GitService(d);
  const routes: RouteInstaller = async (app) => {
    await app.register(gitRoutes, { git: service, audit: d.audit });
  };
  return { service, routes };
}
