import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, apiPath, requestEmpty, requestJson } from './client.js';
import { POLL_INTERVAL_MS, queryKeys } from './queryKeys.js';
import type { App, AppPage, CreateAppBody, PatchAppBody } from '@paddock/shared';

/** Keep polling unless the app is gone (404): then there is nothing left to watch. */
function pollUnlessGone(error: Error | null): number | false {
  return error instanceof ApiError && error.status === 404 ? false : POLL_INTERVAL_MS;
}

/** All apps, page by page, polled so every status shown is the daemon's current one. */
export function useApps() {
  return useInfiniteQuery({
    queryKey: queryKeys.appList,
    queryFn: ({ pageParam, signal }) =>
      requestJson<AppPage>(
        'GET',
        pageParam ? `/v1/apps?cursor=${encodeURIComponent(pageParam)}` : '/v1/apps',
        { signal },
      ),
    initialPageParam: '',
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval: POLL_INTERVAL_MS,
  });
}

export function useApp(id: string) {
  return useQuery({
    queryKey: queryKeys.app(id),
    queryFn: ({ signal }) => requestJson<App>('GET', apiPath`/v1/apps/${id}`, { signal }),
    refetchInterval: (query) => {
      const every = pollUnlessGone(query.state.error);
      return every !== false && settling(query.state.data) ? SETTLING_POLL_MS : every;
    },
  });
}

/**
 * While an app's sandbox boots or its preview comes up, the page asks more often: the moment
 * the preview is ready is the moment a person is waiting for.
 */
const SETTLING_POLL_MS = 250;

function settling(app: App | undefined): boolean {
  const sandbox = app?.sandbox;
  if (!sandbox) return false;
  return (
    sandbox.status === 'starting' ||
    (sandbox.status === 'running' && sandbox.preview.status === 'starting')
  );
}

/** Creates the app and boots its sandbox; the first app of a preset can take a minute. */
export function useCreateApp() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateAppBody) => requestJson<App>('POST', '/v1/apps', { body }),
    onSuccess: (app) => {
      client.setQueryData(queryKeys.app(app.id), app);
      return client.invalidateQueries({ queryKey: queryKeys.appList });
    },
  });
}

export function useUpdateApp(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: PatchAppBody) =>
      requestJson<App>('PATCH', apiPath`/v1/apps/${id}`, { body }),
    onSuccess: (app) => {
      client.setQueryData(queryKeys.app(id), app);
      return client.invalidateQueries({ queryKey: queryKeys.appList });
    },
  });
}

/** Starts (wakes) the app's sandbox. */
export function useWakeApp(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => requestJson<App>('POST', apiPath`/v1/apps/${id}/sandbox`),
    onSuccess: (app) => {
      client.setQueryData(queryKeys.app(id), app);
      return client.invalidateQueries({ queryKey: queryKeys.appList });
    },
  });
}

/** Deletes the app; with `purge` its workspace (the app's files) is deleted too. */
export function useDeleteApp(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ purge }: { purge: boolean }) =>
      requestEmpty('DELETE', apiPath`/v1/apps/${id}` + (purge ? '?purge=true' : '')),
    onSuccess: () => {
      client.removeQueries({ queryKey: queryKeys.app(id) });
      return client.invalidateQueries({ queryKey: queryKeys.appList });
    },
  });
}
