import { randomBytes } from 'node:crypto';
import {
  listCheckpoints,
  packCheckpoint,
  unpackCheckpoint,
  type CheckpointCommit,
} from '@paddock/agents';
import type { Checkpoint, CheckpointPage } from '@paddock/shared';
import type { EventLog } from '../events/eventLog.js';
import type { SandboxFiller, SandboxService } from '../sandboxes/sandboxService.js';
import type { SandboxRow } from '../sandboxes/sandboxStore.js';

/**
 * What the tasks module knows of the tasks a page's messages name (the owner's only): whether
 * each has finished, and the checkpoint it recorded.
 */
export type TaskCheckpoints = (
  owner: string,
  ids: string[],
) => Promise<Map<string, { finished: boolean; checkpoint: string | null }>>;

/** The provenance record: told before a fork's files move (it follows the code). */
export interface CheckpointForkHistory {
  forkingFrom(
    source: { id: string; app_id: string | null },
    target: { id: string; app_id: string | null },
    ref: string,
  ): Promise<void>;
}

export interface AppCheckpointsOptions {
  sandboxes: SandboxService;
  events: EventLog;
  tasks: TaskCheckpoints;
  history: CheckpointForkHistory;
}

/** A fork under way: the new sandbox's filler, and what to clean up once it is made (or not). */
export interface CheckpointFork {
  sha: string;
  fill: SandboxFiller;
  done(): Promise<void>;
}

/**
 * An app's checkpoints (its workspace's git history) as the API shows them, and forks from
 * one. Git runs inside the sandboxes (`@paddock/agents`); the caller hands over a running one.
 */
export class AppCheckpoints {
  constructor(private readonly o: AppCheckpointsOptions) {}

  /** A page from HEAD (or after `cursor`, an earlier page's last commit), newest first. */
  async list(
    owner: string,
    sandbox: SandboxRow,
    q: { limit: number; cursor?: string },
  ): Promise<CheckpointPage> {
    const page = await this.o.sandboxes.withAgent(owner, sandbox.id, (client) =>
      listCheckpoints(client, { limit: q.limit, ...(q.cursor ? { after: q.cursor } : {}) }),
    );
    const named = page.commits.flatMap((c) => (c.claim.kind === 'task' ? [c.claim.task_id] : []));
    const tasks = named.length > 0 ? await this.o.tasks(owner, [...new Set(named)]) : new Map();
    const items = page.commits.map((c) => checkpointView(c, page.head, tasks));
    return { items, next_cursor: page.more ? (items.at(-1)?.sha ?? null) : null };
  }

  /**
   * Packs the checkpoint (and the history it reaches) in the source's running sandbox, and
   * returns the filler that makes a new sandbox's repository from it, checked out at it.
   * `not_found` when the source has no such commit.
   */
  async fork(owner: string, source: SandboxRow, sha: string): Promise<CheckpointFork> {
    const pack = `.git/paddock-fork-${randomBytes(8).toString('hex')}.pack`;
    const full = await this.o.sandboxes.withAgent(owner, source.id, (client) =>
      packCheckpoint(client, sha, pack),
    );
    const fill: SandboxFiller = async (target) => {
      const started = performance.now();
      await this.o.history.forkingFrom(source, target, `${source.app_id ?? source.id}@${full}`);
      await this.o.sandboxes.withAgent(owner, source.id, (from) =>
        this.o.sandboxes.withAgent(owner, target.id, async (to) => {
          const file = await from.readFile(pack);
          const copy = `.paddock-fork-${randomBytes(8).toString('hex')}.pack`;
          try {
            await to.writeFile(copy, file.stream);
          } finally {
            file.stream.destroy();
          }
          await unpackCheckpoint(to, full, copy);
        }),
      );
      await this.o.events.append({
        owner,
        sandboxId: target.id,
        type: 'checkpoint.forked',
        message: `Workspace started from checkpoint ${full.slice(0, 12)}`,
        payload: {
          from_app: source.app_id,
          from_sandbox: source.id,
          checkpoint: full,
          ms: Math.round(performance.now() - started),
        },
      });
    };
    const done = async () => {
      await this.o.sandboxes
        .withAgent(owner, source.id, (client) => client.deleteFile(pack))
        .catch(() => undefined);
    };
    return { sha: full, fill, done };
  }
}

/**
 * A commit as the API shows it. Its message claims a task; the task's own record must agree
 * (the checkpoint it recorded, or none yet while it finishes), so a commit made to look like
 * another task's is `other`.
 */
function checkpointView(
  c: CheckpointCommit,
  head: string | null,
  tasks: Map<string, { finished: boolean; checkpoint: string | null }>,
): Checkpoint {
  const claim = c.claim;
  let kind: Checkpoint['kind'] = claim.kind;
  let taskId: string | null = null;
  if (claim.kind === 'task') {
    const task = tasks.get(claim.task_id);
    if (task && (task.finished ? task.checkpoint === c.sha : task.checkpoint === null)) {
      taskId = claim.task_id;
    } else {
      kind = 'other';
    }
  }
  return {
    sha: c.sha,
    title: c.title,
    kind,
    task_id: taskId,
    restored: claim.kind === 'restore' ? claim.restored : null,
    created_at: c.created_at,
    head: c.sha === head,
    changes: c.changes,
  };
}
