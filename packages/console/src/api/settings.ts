import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { PatchSettingsBody, SettingsView } from '@paddock/shared';
import { requestJson } from './client.js';
import { queryKeys } from './queryKeys.js';

/** The daemon's run-time settings, each with where its value comes from. */
export function useSettings() {
  return useQuery({
    queryKey: queryKeys.settings,
    queryFn: ({ signal }) => requestJson<SettingsView>('GET', '/v1/settings', { signal }),
  });
}

/** PATCH /v1/settings: applied at once and persisted; the answer is the settings now in force. */
export function useUpdateSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (patch: PatchSettingsBody) =>
      requestJson<SettingsView>('PATCH', '/v1/settings', { body: patch }),
    onSuccess: (settings) => queryClient.setQueryData(queryKeys.settings, settings),
  });
}
