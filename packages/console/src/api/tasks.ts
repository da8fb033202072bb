import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiPath, requestBytes, requestJson } from './client.js';
import { POLL_INTERVAL_MS, queryKeys } from './queryKeys.js';
import type { CreateTaskBody, Task, TaskStatus } from '@paddock/shared';

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
