import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ConfigEntry, CreateConfigBody, PatchConfigBody } from '@paddock/shared';
import { apiPath, requestEmpty, requestJson } from './client.js';
import { queryKeys } from './queryKeys.js';

/** Keys are added elsewhere too (the CLI, curl, an agent's readiness check): refreshed now and then. */
const CONFIG_POLL_MS = 10_000;

/** The app's config (values of plain entries; sensitive ones only say they are set). */
export function useAppConfig(appId: string) {
  return useQuery({
    queryKey: queryKeys.appConfig(appId),
    queryFn: ({ signal }) =>
      requestJson<{ items: ConfigEntry[] }>('GET', apiPath`/v1/apps/${appId}/config`, {
        signal,
      }).then((list) => list.items),
    refetchInterval: CONFIG_POLL_MS,
  });
}

/** Adds a key; a sensitive value is sealed by the daemon and never comes back. */
export function useCreateConfig(appId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateConfigBody) =>
      requestJson<ConfigEntry>('POST', apiPath`/v1/apps/${appId}/config`, { body }),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.appConfig(appId) }),
  });
}

/** Changes a key's value (write-only for secrets), its access policy or its injection rule. */
export function usePatchConfig(appId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ key, body }: { key: string; body: PatchConfigBody }) =>
      requestJson<ConfigEntry>('PATCH', apiPath`/v1/apps/${appId}/config/${key}`, { body }),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.appConfig(appId) }),
  });
}

export function useDeleteConfig(appId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (key: string) => requestEmpty('DELETE', apiPath`/v1/apps/${appId}/config/${key}`),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.appConfig(appId) }),
  });
}
