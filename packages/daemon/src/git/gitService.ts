import {
  PaddockError,
  type GitPullBody,
  type GitPullResult,
  type GitPushBody,
  type GitPushResult,
} from '@paddock/shared';
import type { Injection } from '@paddock/egress';
import type { AppService } from '../apps/appService.js';
import type { AppRow } from '../apps/appStore.js';
import type { EventLog } from '../events/eventLog.js';
import type { RuntimeService } from '../processes/runtimeService.js';
import type { SandboxService } from '../sandboxes/sandboxService.js';
import type { SandboxRow } from '../sandboxes/sandboxStore.js';
import { isGitUrl, originUrl, pullBranch, pushBranch, type GitWorkspace } from './gitRemote.js';
import { maskInjections } from './injectionMask.js';

export interface GitServiceOptions {
  apps: AppService;
  sandboxes: SandboxService;
  runtime: RuntimeService;
  events: EventLog;
  /** The app's injections (the egress proxy's own list), to mask them in git's messages. */
  injections: (appId: string) => Promise<Injection[]>;
  /** Runs work alone in a sandbox's task line, or refuses (409) while a task runs or waits. */
  exclusive: <T>(sandboxId: string, fn: () => Promise<T>) => Promise<T>;
}

/**
 * Pushing an app's history to a git remote and pulling a remote branch into it. Both run in the
 * app's task line: uncommitted work is committed first (as a restore does), and a task must not
 * be changing files meanwhile.
 */
export class GitService {
  constructor(private readonly o: GitServiceOptions) {}

  async push(owner: string, appId: string, body: GitPushBody): Promise<GitPushResult> {
    const { app, sandbox } = await this.awake(owner, appId);
    const mask = maskInjections(await this.o.injections(app.id));
    const { url, commit } = await this.o.exclusive(sandbox.id, () =>
      this.o.sandboxes.withAgent(owner, sandbox.id, async (client) => {
        const url = await this.remote(client, body.url);
        const target = { url, branch: body.branch, force: body.force === true };
        return { url, ...(await pushBranch(client, target, mask)) };
      }),
    );
    await this.o.events.append({
      owner,
      sandboxId: sandbox.id,
      type: 'git.pushed',
      message: `Pushed ${commit.slice(0, 12)} to ${body.branch} of ${url}`,
      payload: { app_id: app.id, url, branch: body.branch, commit, force: body.force === true },
    });
    return { url, branch: body.branch, commit };
  }

  async pull(owner: string, appId: string, body: GitPullBody): Promise<GitPullResult> {
    const { app, sandbox } = await this.awake(owner, appId);
    const mask = maskInjections(await this.o.injections(app.id));
    const { url, result } = await this.o.exclusive(sandbox.id, async () => {
      const pulled = await this.o.sandboxes.withAgent(owner, sandbox.id, async (client) => {
        const url = await this.remote(client, body.url);
        return { url, result: await pullBranch(client, { url, branch: body.branch }, mask) };
      });
      // The remote's tree may hold another sandbox.yaml.
      if (pulled.result.changed) {
        await this.o.runtime.reload(await this.o.sandboxes.get(owner, sandbox.id));
      }
      return pulled;
    });
    await this.o.events.append({
      owner,
      sandboxId: sandbox.id,
      type: 'git.pulled',
      message: result.changed
        ? `Pulled ${body.branch} of ${url}: checkpoint ${result.checkpoint.slice(0, 12)}`
        : `Pulled ${body.branch} of ${url}: nothing new`,
      payload: { app_id: app.id, url, branch: body.branch, ...result },
    });
    return result;
  }

  /** The URL given, or the workspace repository's `origin`. */
  private async remote(client: GitWorkspace, given: string | undefined): Promise<string> {
    if (given !== undefined) return given;
    const origin = await originUrl(client);
    if (origin === null) {
      throw new PaddockError('bad_request', 'the app has no origin remote; give a url');
    }
    // A task may have set any origin; only what the API itself would take is used.
    if (!isGitUrl(origin)) {
      throw new PaddockError(
        'bad_request',
        "the app's origin remote is not an https URL without credentials; give a url",
      );
    }
    return origin;
  }

  /** The app and its sandbox, started if stopped (made anew if it was removed). */
  private async awake(owner: string, appId: string): Promise<{ app: AppRow; sandbox: SandboxRow }> {
    const app = await this.o.apps.wake(owner, appId);
    const sandbox = await this.o.apps.sandboxOf(app);
    if (!sandbox) throw new PaddockError('conflict', `app ${appId} has no sandbox`);
    return { app, sandbox };
  }
}
