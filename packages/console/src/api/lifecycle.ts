import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { App, Sandbox, SandboxDetail } from '@paddock/shared';
import { apiPath, requestJson } from './client.js';
import { queryKeys } from './queryKeys.js';

export type LifecycleAction = 'stop' | 'start' | 'keepalive';

/** Stop, start or keep alive the app's sandbox; the app is refetched after each. */
export function useSandboxLifecycle(appId: string, sandboxId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ action, seconds }: { action: LifecycleAction; seconds?: number }) =>
      requestJson<Sandbox>('POST', apiPath`/v1/sandboxes/${sandboxId}/${action}`, {
        ...(action === 'keepalive' ? { body: { seconds } } : {}),
      }),
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.app(appId) }),
  });
}

/** Invalidates every preview link and cookie issued so far; answers with the new link. */
export function useRotatePreview(appId: string, sandboxId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () =>
      requestJson<SandboxDetail>('POST', apiPath`/v1/sandboxes/${sandboxId}/preview/rotate`),
    onSuccess: (sandbox) => {
      client.setQueryData<App>(queryKeys.app(appId), (app) => (app ? { ...app, sandbox } : app));
      return client.invalidateQueries({ queryKey: queryKeys.app(appId) });
    },
  });
}
