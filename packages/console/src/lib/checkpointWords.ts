// How the console names a checkpoint: the task's prompt or script when it is a task's, else
// what kind of commit it is.
import type { Checkpoint, Task } from '@paddock/shared';
import { taskSummary } from './taskStatus.js';

export const shortSha = (sha: string) => sha.slice(0, 12);

export const CHECKPOINT_KIND_LABEL: Record<Checkpoint['kind'], string> = {
  task: 'Task',
  baseline: 'Saved work',
  restore: 'Restore',
  other: 'Commit',
};

/** One line that says what the checkpoint holds. */
export function checkpointSummary(checkpoint: Checkpoint, task: Task | undefined): string {
  if (checkpoint.kind === 'task' && task) return taskSummary(task) || checkpoint.title;
  if (checkpoint.kind === 'restore' && checkpoint.restored) {
    return `Restored the files of checkpoint ${shortSha(checkpoint.restored)}`;
  }
  if (checkpoint.kind === 'baseline')
    return 'Changes made outside a task, saved before the next one';
  return checkpoint.title;
}
