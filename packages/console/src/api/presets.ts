import { useQuery } from '@tanstack/react-query';
import { requestJson } from './client.js';
import { queryKeys } from './queryKeys.js';
import type { PresetList } from '@paddock/shared';

export function usePresets() {
  return useQuery({
    queryKey: queryKeys.presets,
    queryFn: async ({ signal }) =>
      (await requestJson<PresetList>('GET', '/v1/presets', { signal })).items,
    staleTime: 5 * 60_000,
  });
}
