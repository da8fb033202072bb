import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiPath, requestJson } from './client.js';
import { queryKeys } from './queryKeys.js';
import type { App, ProcessView } from '@paddock/shared';

/** How much history the log stream starts with, in bytes (the log is a byte ring). */
export const LOG_TAIL_BYTES = 64 * 1024;

/** The SSE endpoint for a process's output: first the tail, then new output as it comes. */
export function processLogsUrl(sandboxId: string, name: string): string {
  return apiPath`/v1/sandboxes/${sandboxId}/processes/${name}/logs` + `?tail=${LOG_TAIL_BYTES}`;
}

export function useRestartProcess(appId: string, sandboxId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (name: string) =>
      requestJson<ProcessView>(
        'POST',
        apiPath`/v1/sandboxes/${sandboxId}/processes/${name}/restart`,
      ),
    onSuccess: (process) => {
      client.setQueryData<App>(queryKeys.app(appId), (app) =>
        app?.sandbox
          ? {
              ...app,
              sandbox: {
                ...app.sandbox,
                processes: app.sandbox.processes.map((p) =>
                  p.name === process.name ? process : p,
                ),
              },
            }
          : app,
      );
      return client.invalidateQueries({ queryKey: queryKeys.app(appId) });
    },
  });
}
