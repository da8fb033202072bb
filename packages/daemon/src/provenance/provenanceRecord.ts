import type { ProvenanceTier } from '@paddock/shared';
import type { ProvenanceKind } from '../store/schema.js';
import { archiveMetadata, historyOfArchive, type ArchiveMetadata } from './archiveHistory.js';
import type { ProvenanceEntry, ProvenanceStore } from './provenanceStore.js';

/** What a published package records of its build app: derived from the record, never declared. */
export interface Provenance {
  tier: Extract<ProvenanceTier, 'ai-generated' | 'user-uploaded'>;
  /** Every task that ran on the code, in the order they ran (copied ones too). */
  task_ids: string[];
}

/** The kinds that are an agent changing the files. */
const AGENT_KINDS: readonly ProvenanceKind[] = ['task', 'agent_change'];

/** A workspace's subject: its app's when it has one, else the standalone sandbox's. */
export function subjectOf(sandbox: { id: string; app_id: string | null }): string {
  return sandbox.app_id === null ? `sandbox:${sandbox.id}` : `app:${sandbox.app_id}`;
}

function snapshotSubject(id: string): string {
  return `snapshot:${id}`;
}

/**
 * The provenance record: what changed each app's files since its creation (tasks of any
 * provider, changes through an agent key) and where its code came from. The record follows
 * the code: a capture copies the workspace's history to the snapshot, and a fork, restore or
 * import copies the snapshot's to where its files go. Entries are written before the change
 * they record, so a failure leaves the record saying more, never less.
 */
export class ProvenanceRecord {
  constructor(private readonly store: ProvenanceStore) {}

  /** A task is about to run on its sandbox's workspace. */
  async taskStarting(task: { id: string; sandbox_id: string; provider: string }): Promise<void> {
    const sandbox = await this.store.appOfSandbox(task.sandbox_id);
    if (!sandbox) return;
    const subject = subjectOf(sandbox);
    await this.add(subject, task.id, 'task', { task_id: task.id, actor: task.provider });
  }

  /** An agent key is about to change the sandbox's files (files or exec API); once per key. */
  async agentChanging(owner: string, sandboxId: string, keyId: string): Promise<void> {
    const sandbox = await this.store.appOfSandbox(sandboxId, owner);
    if (!sandbox) return; // not the owner's: the route answers 404
    await this.add(subjectOf(sandbox), `agent:${keyId}`, 'agent_change', { actor: keyId });
  }

  /** A capture of the sandbox's workspace: the snapshot keeps what the workspace had. */
  async captured(snapshot: { id: string }, sandbox: { id: string; app_id: string | null }) {
    await this.store.copy(subjectOf(sandbox), snapshotSubject(snapshot.id));
  }

  /**
   * The snapshot's files are about to go into the sandbox: a new workspace filled from it (a
   * fork, `from_snapshot`) or a restore. The workspace keeps its own history and gains the
   * snapshot's, with a marker naming the snapshot.
   */
  async restoring(
    snapshot: { id: string },
    sandbox: { id: string; app_id: string | null },
    how: 'fill' | 'restore',
  ): Promise<void> {
    const subject = subjectOf(sandbox);
    await this.store.copy(snapshotSubject(snapshot.id), subject);
    const kind = how === 'fill' ? 'forked_from' : 'restored_from';
    await this.add(subject, `${kind}:${snapshot.id}`, kind, { ref: snapshot.id });
  }

  /**
   * A new workspace is about to be filled from another's checkpoint (a fork of an app from a
   * commit): it gains all of the source's history, with a marker naming `ref` (`<app>@<commit>`).
   */
  async forkingFrom(
    source: { id: string; app_id: string | null },
    target: { id: string; app_id: string | null },
    ref: string,
  ): Promise<void> {
    const subject = subjectOf(target);
    await this.store.copy(subjectOf(source), subject);
    await this.add(subject, `forked_from:${ref}`, 'forked_from', { ref });
  }

  /** What an export of the snapshot carries. */
  async exported(snapshot: { id: string }): Promise<ArchiveMetadata> {
    return archiveMetadata(await this.store.list(snapshotSubject(snapshot.id)));
  }

  /**
   * An imported archive's history (`invalid_archive` when malformed); an import through an
   * agent key is that agent's change.
   */
  async imported(snapshot: { id: string }, metadata: unknown, agentKeyId: string | null) {
    const entries = historyOfArchive(metadata);
    const subject = snapshotSubject(snapshot.id);
    await this.store.add(subject, entries);
    await this.add(subject, `imported:${snapshot.id}`, 'imported', { ref: snapshot.id });
    if (agentKeyId !== null) {
      await this.add(subject, `agent:${agentKeyId}`, 'agent_change', { actor: agentKeyId });
    }
  }

  /** A snapshot is gone, or never became ready. */
  async forget(snapshotId: string): Promise<void> {
    await this.store.remove(snapshotSubject(snapshotId));
  }

  /** `ai-generated` when any agent changed the app's files since its creation. */
  async provenanceOf(appId: string): Promise<Provenance> {
    return summary(await this.store.list(`app:${appId}`));
  }

  /** The same, for the code a snapshot holds. */
  async provenanceOfSnapshot(snapshotId: string): Promise<Provenance> {
    return summary(await this.store.list(snapshotSubject(snapshotId)));
  }

  /** A subject's entries, oldest first: how its code came to be. */
  history(subject: string): Promise<ProvenanceEntry[]> {
    return this.store.list(subject);
  }

  private async add(
    subject: string,
    entryId: string,
    kind: ProvenanceKind,
    fields: Partial<Pick<ProvenanceEntry, 'task_id' | 'actor' | 'ref'>>,
  ): Promise<void> {
    await this.store.add(subject, [
      {
        entry_id: entryId,
        kind,
        at: new Date().toISOString(),
        task_id: fields.task_id ?? null,
        actor: fields.actor ?? null,
        ref: fields.ref ?? null,
        origin: subject,
      },
    ]);
  }
}

function summary(entries: readonly ProvenanceEntry[]): Provenance {
  const agents = entries.some((e) => AGENT_KINDS.includes(e.kind));
  const task_ids = entries.filter((e) => e.kind === 'task' && e.task_id).map((e) => e.task_id!);
  return { tier: agents ? 'ai-generated' : 'user-uploaded', task_ids: [...new Set(task_ids)] };
}
