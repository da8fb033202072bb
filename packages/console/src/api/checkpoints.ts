// An app's checkpoints: its workspace's git history (one commit per task, restore or saved
// work), restoring the workspace to one, and forking a new app from one.
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import type { App, CheckpointPage, ForkCheckpointBody } from '@paddock/shared';
import { apiPath, requestJson } from './client.js';
import { queryKeys } from './queryKeys.js';

/** How many checkpoints one page of the timeline shows. */
const PAGE_SIZE = 20;
/** New checkpoints come from tasks run elsewhere too (the Build tab, the CLI). */
const REFRESH_MS = 10_000;

function checkpointsPath(appId: string, limit: number, cursor: string | null): string {
  const query = cursor ? `?limit=${limit}&cursor=${encodeURIComponent(cursor)}` : `?limit=${limit}`;
  return apiPath`/v1/apps/${appId}/checkpoints` + query;
}

/**
 * The timeline, newest first, a page at a time ("Load more" asks for the next). Reading it
 * wakes a sleeping sandbox, so it is refreshed only while the sandbox runs (`live`).
 */
export function useCheckpoints(appId: string, live: boolean) {
  return useInfiniteQuery({
    queryKey: queryKeys.checkpointList(appId),
    queryFn: ({ pageParam, signal }) =>
      requestJson<CheckpointPage>('GET', checkpointsPath(appId, PAGE_SIZE, pageParam || null), {
        signal,
      }),
    initialPageParam: '',
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval: live ? REFRESH_MS : false,
    refetchOnWindowFocus: live,
  });
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
    const list: CheckpointPage = await requestJson<CheckpointPage>(
      'GET',
      checkpointsPath(appId, 100, cursor),
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
    onSuccess: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: queryKeys.app(appId) }),
        client.invalidateQueries({ queryKey: queryKeys.checkpoints(appId) }),
      ]),
  });
}

/** A new app of the same preset whose workspace (and history) starts as the checkpoint. */
export function useForkCheckpoint(appId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ sha, name }: { sha: string; name: string }) =>
      requestJson<App>('POST', apiPath`/v1/apps/${appId}/checkpoints/${sha}/fork`, {
        body: { name } satisfies ForkCheckpointBody,
      }),
    onSuccess: (app) => {
      client.setQueryData(queryKeys.app(app.id), app);
      return client.invalidateQueries({ queryKey: queryKeys.appList });
    },
  });
}
