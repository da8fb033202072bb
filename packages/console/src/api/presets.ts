import { useQuery } from '@tanstack/react-query';
import { requestJson } from './client.js';
import { queryKeys } from './queryKeys.js';
import type { PresetList } from '@paddock/shared';

/**
 * The presets. Their list never changes while the daemon runs, but each one's cache state
 * does (the first app of a preset fills it): `fresh` reads it again whenever a page mounts.
 */
export function usePresets(options: { fresh?: boolean } = {}) {
  return useQuery({
    queryKey: queryKeys.presets,
    queryFn: async ({ signal }) =>
      (await requestJson<PresetList>('GET', '/v1/presets', { signal })).items,
    staleTime: options.fresh ? 0 : 5 * 60_000,
  });
}
