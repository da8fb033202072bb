import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { SecretsStatus, SystemInfo } from '@paddock/shared';
import { requestJson } from './client.js';
import { queryKeys } from './queryKeys.js';

export function useSystemInfo() {
  return useQuery({
    queryKey: queryKeys.system,
    queryFn: ({ signal }) => requestJson<SystemInfo>('GET', '/v1/system', { signal }),
  });
}

export function useSecretsStatus() {
  return useQuery({
    queryKey: queryKeys.secretsStatus,
    queryFn: ({ signal }) => requestJson<SecretsStatus>('GET', '/v1/system/secrets', { signal }),
  });
}

interface RotatedKey {
  key_id: string;
  rotated: number;
}

/** Re-encrypts every stored secret under a new master key (a key file the daemon generates). */
export function useRotateSecretsKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (newKey: string | undefined) =>
      requestJson<RotatedKey>('POST', '/v1/system/secrets/rotate', {
        body: newKey ? { new_key: newKey } : {},
      }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.secretsStatus }),
  });
}
