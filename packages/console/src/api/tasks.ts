import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiPath, requestBytes, requestJson } from './client.js';
import { POLL_INTERVAL_MS, queryKeys } from './queryKeys.js';
import type { CheckpointPage, CreateTaskBody, Task, TaskStatus } from '@paddock/shared';

/** While nothing runs, the history is still refreshed now and then (tasks started elsewhere). */
const IDLE_POLL_MS = 10_000;

function live(status: TaskStatus): boolean {
  return status === 'queued' || status === 'running';
}

/** The sandbox's tasks, newest first (the daemon keeps the last 100 in this list). */
export function useTasks(sandboxId: string) {
  return useQuery({
    queryKey: queryKeys.tasks(sandboxId),
    queryFn: ({ signal }) =>
      requestJson<{ items: Task[] }>('GET', apiPath`/v1/sandboxes/${sandboxId}/tasks`, {
        signal,
      }).then((list) => list.items),
    refetchInterval: (query) =>
      query.state.data?.some((t) => live(t.status)) ? POLL_INTERVAL_MS : IDLE_POLL_MS,
  });
}

/** Starts a task; it is queued behind the one running, if any. */
export function useCreateTask(sandboxId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateTaskBody) =>
      requestJson<Task>('POST', apiPath`/v1/sandboxes/${sandboxId}/tasks`, { body }),
    onSuccess: (task) => {
      client.setQueryData<Task[]>(queryKeys.tasks(sandboxId), (list) =>
        list ? [task, ...list.filter((t) => t.id !== task.id)] : [task],
      );
      return client.invalidateQueries({ queryKey: queryKeys.tasks(sandboxId) });
    },
  });
}

/** A queued task ends at once; a running one is stopped, and its stream then says canceled. */
export function useCancelTask() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => requestJson<Task>('POST', apiPath`/v1/tasks/${id}/cancel`),
    onSuccess: (task) => client.invalidateQueries({ queryKey: queryKeys.tasks(task.sandbox_id) }),
  });
}

/** A finished task's changes as a unified diff (the empty string when it changed nothing). */
export function useTaskDiff(id: string, finished: boolean) {
  return useQuery({
    queryKey: queryKeys.taskDiff(id),
    queryFn: async ({ signal }) =>
      (
        await requestBytes('GET', apiPath`/v1/tasks/${id}/diff`, {
          signal,
          headers: { accept: 'text/plain' },
        })
      ).text(),
    enabled: finished,
    // A finished task's diff never changes.
    staleTime: Infinity,
  });
}

/** The SSE endpoint of a task: its status, the log so far, new output, then the result. */
export function taskStreamUrl(id: string): string {
  return apiPath`/v1/tasks/${id}/stream`;
}

/** Where "before this task" is: the checkpoint's first parent, and how many came after it. */
export interface TaskParent {
  /** The commit the workspace held before the task ran. */
  sha: string;
  /** Checkpoints on top of the task's own (later tasks, restores): a restore undoes them too. */
  later: number;
}

const CHECKPOINT_PAGES_MAX = 10;

/**
 * Finds the checkpoint before a task's in the app's history (first parents from HEAD, newest
 * first, so the entry after the task's is its parent). Restores add commits on top, so a task's
 * checkpoint stays in that history; null when it is not there all the same (the workspace's git
 * history was rewritten inside it) or has no parent.
 */
export async function findTaskParent(
  appId: string,
  checkpoint: string,
): Promise<TaskParent | null> {
  let cursor: string | null = null;
  let seen = 0;
  let found = false;
  for (let page = 0; page < CHECKPOINT_PAGES_MAX; page++) {
    const query: string = cursor ? `?limit=100&cursor=${cursor}` : '?limit=100';
    const list: CheckpointPage = await requestJson<CheckpointPage>(
      'GET',
      apiPath`/v1/apps/${appId}/checkpoints` + query,
    );
    for (const item of list.items) {
      if (found) return { sha: item.sha, later: seen };
      if (item.sha === checkpoint) found = true;
      else seen++;
    }
    if (!list.next_cursor) return null;
    cursor = list.next_cursor;
  }
  return null;
}

/** Returns the app's workspace to a checkpoint, as a new commit on top (history is kept). */
export function useRestoreCheckpoint(appId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (sha: string) =>
      requestJson<{ restored: string; checkpoint: string }>(
        'POST',
        apiPath`/v1/apps/${appId}/checkpoints/${sha}/restore`,
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.app(appId) }),
  });
}
