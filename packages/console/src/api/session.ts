import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { isUnauthorized, requestEmpty, requestJson } from './client.js';
import { queryKeys } from './queryKeys.js';
import type { Session } from '@paddock/shared';

/** The signed-in owner, or null when there is no valid session cookie. */
async function fetchSession(signal: AbortSignal): Promise<Session | null> {
  try {
    return await requestJson<Session>('GET', '/v1/session', { signal });
  } catch (error) {
    if (isUnauthorized(error)) return null;
    throw error;
  }
}

export function useSession() {
  return useQuery({
    queryKey: queryKeys.session,
    queryFn: ({ signal }) => fetchSession(signal),
    // Changes only by signing in or out here, or by a 401 elsewhere (see queryClient.ts).
    staleTime: Infinity,
  });
}

/**
 * Drops everything cached for the previous owner. The session query itself stays (it is
 * overwritten right after): removing it would detach the observer that renders the app.
 */
function forgetOwnerData(client: QueryClient): void {
  client.removeQueries({ predicate: (query) => query.queryKey[0] !== queryKeys.session[0] });
  client.getMutationCache().clear();
}

/**
 * Signing in and out, outside of TanStack's mutation cache on purpose: a mutation keeps its
 * variables in memory, and the token should live nowhere but the form field.
 */
export function useSessionActions() {
  const client = useQueryClient();
  return {
    async signIn(token: string): Promise<void> {
      const session = await requestJson<Session>('POST', '/v1/session', { body: { token } });
      forgetOwnerData(client);
      client.setQueryData<Session | null>(queryKeys.session, session);
    },
    /**
     * Ends every session of this owner, on every device; this one is re-issued by the answer
     * and stays signed in (its answer restores the session if a request raced it and got 401).
     */
    async signOutEverywhere(): Promise<void> {
      const session = await requestJson<Session>('POST', '/v1/session/revoke-all');
      client.setQueryData<Session | null>(queryKeys.session, session);
    },
    async signOut(): Promise<void> {
      try {
        await requestEmpty('DELETE', '/v1/session');
      } catch (error) {
        // Already signed out (expired cookie): the outcome the user asked for.
        if (!isUnauthorized(error)) throw error;
      }
      forgetOwnerData(client);
      client.setQueryData<Session | null>(queryKeys.session, null);
    },
  };
}
