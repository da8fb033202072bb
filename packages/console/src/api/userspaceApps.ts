import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, apiPath, requestEmpty, requestJson } from './client.js';
import { POLL_INTERVAL_MS, queryKeys } from './queryKeys.js';
import type {
  AppDataUsage,
  InstallResult,
  LaunchResult,
  PurgePlan,
  UserspaceApp,
  UserspaceAppList,
  UserspacePermissions,
} from '@paddock/shared';

const appPath = (id: string) => apiPath`/v1/userspace-apps/${id}`;

/** Installed userspace apps (or the trash), polled: installs and updates land from elsewhere. */
export function useUserspaceApps(trashed = false) {
  return useQuery({
    queryKey: queryKeys.userspaceList(trashed),
    queryFn: ({ signal }) =>
      requestJson<UserspaceAppList>(
        'GET',
        trashed ? '/v1/userspace-apps?trashed=true' : '/v1/userspace-apps',
        { signal },
      ),
    refetchInterval: POLL_INTERVAL_MS,
  });
}

export function useUserspaceApp(id: string) {
  return useQuery({
    queryKey: queryKeys.userspaceApp(id),
    queryFn: ({ signal }) => requestJson<UserspaceApp>('GET', appPath(id), { signal }),
    refetchInterval: (query) =>
      query.state.error instanceof ApiError && query.state.error.status === 404
        ? false
        : POLL_INTERVAL_MS,
  });
}

export function fetchPermissions(id: string, signal?: AbortSignal) {
  return requestJson<UserspacePermissions>('GET', `${appPath(id)}/permissions`, { signal });
}

export function usePermissions(id: string) {
  return useQuery({
    queryKey: queryKeys.userspacePermissions(id),
    queryFn: ({ signal }) => fetchPermissions(id, signal),
    refetchInterval: POLL_INTERVAL_MS,
  });
}

/** Grants or declines optional permissions an app asked for (a decline is remembered). */
export function answerPermission(
  id: string,
  answer: { grant?: string[]; decline?: string[] },
): Promise<UserspacePermissions> {
  return requestJson<UserspacePermissions>('POST', `${appPath(id)}/permissions`, { body: answer });
}

/** Opens a window: the bundle's URL on the app's origin and the window's app session. */
export function launchApp(id: string, signal?: AbortSignal): Promise<LaunchResult> {
  return requestJson<LaunchResult>('POST', `${appPath(id)}/launch`, { signal });
}

export function useUsage(id: string) {
  return useQuery({
    queryKey: queryKeys.userspaceUsage(id),
    queryFn: ({ signal }) => requestJson<AppDataUsage>('GET', `${appPath(id)}/usage`, { signal }),
    refetchInterval: POLL_INTERVAL_MS * 5,
  });
}

/** Everything that changes one app refreshes every view of it. */
function useRefresh(id: string) {
  const client = useQueryClient();
  return (app?: UserspaceApp) => {
    if (app) client.setQueryData(queryKeys.userspaceApp(id), app);
    return client.invalidateQueries({ queryKey: queryKeys.userspace });
  };
}

type Action = 'enable' | 'disable' | 'restore';

export function useAppAction(id: string) {
  const refresh = useRefresh(id);
  return useMutation({
    mutationFn: (action: Action) => requestJson<UserspaceApp>('POST', `${appPath(id)}/${action}`),
    onSuccess: (app) => refresh(app),
  });
}

export function useRollback(id: string) {
  const refresh = useRefresh(id);
  return useMutation({
    mutationFn: (restoreData: boolean) =>
      requestJson<UserspaceApp>('POST', `${appPath(id)}/rollback`, {
        body: { restore_data: restoreData },
      }),
    onSuccess: (app) => refresh(app),
  });
}

export function useRevoke(id: string) {
  const refresh = useRefresh(id);
  return useMutation({
    mutationFn: (permissions: string[]) =>
      requestJson<UserspaceApp>('POST', `${appPath(id)}/revoke`, { body: { permissions } }),
    onSuccess: (app) => refresh(app),
  });
}

export function useAnswerPermission(id: string) {
  const refresh = useRefresh(id);
  return useMutation({
    mutationFn: (answer: { grant?: string[]; decline?: string[] }) => answerPermission(id, answer),
    onSuccess: () => refresh(),
  });
}

/** Consents to the pending version (what it adds beyond the grant) and moves to it. */
export function useConsent(id: string) {
  const refresh = useRefresh(id);
  return useMutation({
    mutationFn: (version: number) =>
      requestJson<UserspaceApp>('POST', `${appPath(id)}/consent`, { body: { version } }),
    onSuccess: (app) => refresh(app),
  });
}

/** Uninstall: to the trash, data kept. */
export function useTrash(id: string) {
  const refresh = useRefresh(id);
  return useMutation({
    mutationFn: () => requestEmpty('DELETE', appPath(id)),
    onSuccess: () => refresh(),
  });
}

/**
 * Purge: the first call (no confirm) is refused with `confirmation_required` and the plan in its
 * details, which the page shows before the user confirms.
 */
export function usePurge(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (confirm: boolean) =>
      requestJson<PurgePlan>(
        'DELETE',
        `${appPath(id)}?purge=true${confirm ? '&confirm=true' : ''}`,
      ),
    onSuccess: () => {
      client.removeQueries({ queryKey: queryKeys.userspaceApp(id) });
      return client.invalidateQueries({ queryKey: queryKeys.userspace });
    },
  });
}

/** Publishes a build app to the desktop (build, package, sign, install). */
export function usePublish(buildAppId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () =>
      requestJson<InstallResult>('POST', apiPath`/v1/apps/${buildAppId}/publish`, { body: {} }),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.userspace }),
  });
}
