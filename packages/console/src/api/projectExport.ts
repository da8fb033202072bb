// Taking a project out: the workspace as an archive (a plain download link) and git push/pull
// to a remote, run by git inside the app's sandbox through the egress proxy.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type {
  AppArchiveQuery,
  GitPullBody,
  GitPullResult,
  GitPushBody,
  GitPushResult,
} from '@paddock/shared';
import { apiPath, requestJson } from './client.js';
import { queryKeys } from './queryKeys.js';

/**
 * The archive download: a same-origin GET, so a plain link carries the session cookie (the
 * CSRF header is only asked of requests that change something) and the browser streams it.
 */
export function appArchiveUrl(appId: string, query: Required<AppArchiveQuery>): string {
  return apiPath`/v1/apps/${appId}/archive` + `?format=${query.format}&git=${String(query.git)}`;
}

export function useGitPush(appId: string) {
  return useMutation({
    mutationFn: (body: GitPushBody) =>
      requestJson<GitPushResult>('POST', apiPath`/v1/apps/${appId}/git/push`, { body }),
  });
}

/** A pull that changed something is a new checkpoint, and the files changed with it. */
export function useGitPull(appId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: GitPullBody) =>
      requestJson<GitPullResult>('POST', apiPath`/v1/apps/${appId}/git/pull`, { body }),
    onSuccess: (result) =>
      result.changed
        ? Promise.all([
            client.invalidateQueries({ queryKey: queryKeys.checkpoints(appId) }),
            client.invalidateQueries({ queryKey: queryKeys.app(appId) }),
            client.invalidateQueries({ queryKey: queryKeys.allFiles }),
          ])
        : undefined,
  });
}
