import { useQuery } from '@tanstack/react-query';
import { requestJson } from './client.js';
import { queryKeys } from './queryKeys.js';
import type { Preset } from './types.js';

export function usePresets() {
  return useQuery({
    queryKey: queryKeys.presets,
    queryFn: async ({ signal }) =>
      (await requestJson<{ items: Preset[] }>('GET', '/v1/presets', { signal })).items,
    staleTime: 5 * 60_000,
  });
}
