import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { CreateApiKeyBody, OwnerRole } from '@paddock/shared';
import { apiPath, requestEmpty, requestJson } from './client.js';
import { queryKeys } from './queryKeys.js';

/** An API key as listed (never its token). */
export interface ApiKey {
  id: string;
  name: string;
  owner: string;
  role: OwnerRole;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
}

/** The create answer: the only time the token is sent. */
export interface CreatedApiKey {
  key: ApiKey;
  token: string;
}

export function useApiKeys() {
  return useQuery({
    queryKey: queryKeys.apiKeys,
    queryFn: async ({ signal }) =>
      (await requestJson<{ items: ApiKey[] }>('GET', '/v1/api-keys', { signal })).items,
  });
}

export function useCreateApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateApiKeyBody) =>
      requestJson<CreatedApiKey>('POST', '/v1/api-keys', { body }),
    // The token stays in the caller's state only: the cached list never holds it.
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.apiKeys }),
  });
}

export function useRevokeApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => requestEmpty('DELETE', apiPath`/v1/api-keys/${id}`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.apiKeys }),
  });
}
