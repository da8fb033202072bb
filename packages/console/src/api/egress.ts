import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { EgressPolicy, EgressPolicyBody } from '@paddock/shared';
import { apiPath, requestJson } from './client.js';
import { queryKeys } from './queryKeys.js';

/** The app's egress policy: the manifest's baseline and the app's own allow and deny lists. */
export function useEgressPolicy(appId: string) {
  return useQuery({
    queryKey: queryKeys.appEgress(appId),
    queryFn: ({ signal }) =>
      requestJson<EgressPolicy>('GET', apiPath`/v1/apps/${appId}/egress`, { signal }),
  });
}

/** Replaces the app's own lists; the daemon applies them to running processes at once. */
export function useSetEgressPolicy(appId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: EgressPolicyBody) =>
      requestJson<EgressPolicy>('PUT', apiPath`/v1/apps/${appId}/egress`, { body }),
    onSuccess: (policy) => client.setQueryData(queryKeys.appEgress(appId), policy),
  });
}

/** The SSE feed of the app's sandbox's refusals: the kept ones, then each new one. */
export function egressDenialsUrl(appId: string): string {
  return apiPath`/v1/apps/${appId}/egress/denials`;
}
