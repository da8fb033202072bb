import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { ApiError, isUnauthorized } from './client.js';
import { queryKeys } from './queryKeys.js';
import type { Session } from '@paddock/shared';

/**
 * One client for the whole SPA. A 401 from any request means the session is gone (expired or
 * signed out elsewhere): the cached session becomes null and the sign-in screen shows.
 */
export function createQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError: signOutOn401 }),
    mutationCache: new MutationCache({ onError: signOutOn401 }),
    defaultOptions: {
      queries: {
        // A 4xx will not change on retry; network errors and 5xx get two more tries.
        retry: (failures, error) =>
          !(error instanceof ApiError && error.status >= 400 && error.status < 500) && failures < 2,
        refetchOnWindowFocus: true,
      },
      mutations: { retry: false },
    },
  });

  function signOutOn401(error: Error): void {
    if (isUnauthorized(error)) client.setQueryData<Session | null>(queryKeys.session, null);
  }

  return client;
}
