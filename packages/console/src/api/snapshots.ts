// Snapshots: an app's list, capture from its sandbox, restore and fork, export (a download
// link), import (an upload with progress) and delete.
import {
  useInfiniteQuery,
  useMutation,
  useQueries,
  useQueryClient,
  type InfiniteData,
} from '@tanstack/react-query';
import type {
  App,
  CreateSnapshotBody,
  ForkAppBody,
  RestoreAppBody,
  Snapshot,
} from '@paddock/shared';
import { ApiError, apiPath, requestEmpty, requestJson } from './client.js';
import { POLL_INTERVAL_MS, queryKeys } from './queryKeys.js';
import { uploadWithProgress, type UploadProgress } from './upload.js';

interface SnapshotPage {
  items: Snapshot[];
  next_cursor: string | null;
}

const PAGE_SIZE = 50;
const IDLE_POLL_MS = 10_000;

function capturing(data: InfiniteData<SnapshotPage> | undefined): boolean {
  return data?.pages.some((p) => p.items.some((s) => s.status === 'capturing')) ?? false;
}

/** The app's snapshots, newest first; polled faster while one is being captured. */
export function useAppSnapshots(appId: string, busy: boolean) {
  return useInfiniteQuery({
    queryKey: queryKeys.appSnapshots(appId),
    queryFn: ({ pageParam, signal }) =>
      requestJson<SnapshotPage>(
        'GET',
        apiPath`/v1/apps/${appId}/snapshots` +
          (pageParam
            ? `?limit=${PAGE_SIZE}&cursor=${encodeURIComponent(pageParam)}`
            : `?limit=${PAGE_SIZE}`),
        { signal },
      ),
    initialPageParam: '',
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval: (query) =>
      busy || capturing(query.state.data) ? POLL_INTERVAL_MS : IDLE_POLL_MS,
  });
}

/** Snapshots by id (the imported ones this page remembers); a deleted one answers 404. */
export function useSnapshotsById(ids: readonly string[]) {
  return useQueries({
    queries: ids.map((id) => ({
      queryKey: queryKeys.snapshot(id),
      queryFn: ({ signal }: { signal: AbortSignal }) =>
        requestJson<Snapshot>('GET', apiPath`/v1/snapshots/${id}`, { signal }),
      retry: (count: number, error: Error) =>
        !(error instanceof ApiError && error.status === 404) && count < 2,
    })),
  });
}

function useInvalidateSnapshots() {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: queryKeys.snapshots });
}

/** Captures the sandbox's workspace; the answer comes once the snapshot is ready (or failed). */
export function useCaptureSnapshot(sandboxId: string) {
  const invalidate = useInvalidateSnapshots();
  return useMutation({
    mutationFn: (name: string) =>
      requestJson<Snapshot>('POST', apiPath`/v1/sandboxes/${sandboxId}/snapshots`, {
        body: { name } satisfies CreateSnapshotBody,
      }),
    onSettled: invalidate,
  });
}

export function useDeleteSnapshot() {
  const invalidate = useInvalidateSnapshots();
  return useMutation({
    mutationFn: (id: string) => requestEmpty('DELETE', apiPath`/v1/snapshots/${id}`),
    onSuccess: invalidate,
  });
}

/** Replaces the app's workspace with the snapshot (a running sandbox restarts). */
export function useRestoreSnapshot(appId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (snapshotId: string) =>
      requestJson<{ snapshot_id: string; files: number; bytes: number }>(
        'POST',
        apiPath`/v1/apps/${appId}/restore`,
        { body: { snapshot_id: snapshotId, confirm: true } satisfies RestoreAppBody },
      ),
    onSuccess: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: queryKeys.app(appId) }),
        client.invalidateQueries({ queryKey: queryKeys.checkpoints(appId) }),
      ]),
  });
}

/** A new app of this app's preset whose workspace starts as the snapshot. */
export function useForkSnapshot(appId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ snapshotId, name }: { snapshotId: string; name: string }) =>
      requestJson<App>('POST', apiPath`/v1/apps/${appId}/fork`, {
        body: { snapshot_id: snapshotId, name } satisfies ForkAppBody,
      }),
    onSuccess: (app) => {
      client.setQueryData(queryKeys.app(app.id), app);
      return client.invalidateQueries({ queryKey: queryKeys.appList });
    },
  });
}

/** The tar download: a plain same-origin link, so the session cookie goes along. */
export function snapshotExportUrl(id: string): string {
  return apiPath`/v1/snapshots/${id}/export`;
}

/** Sends a tar or tar.gz as raw bytes (the daemon recognises gzip by its bytes). */
export function importSnapshot(
  file: Blob,
  name: string,
  onProgress: (progress: UploadProgress) => void,
  signal?: AbortSignal,
): Promise<Snapshot> {
  return uploadWithProgress<Snapshot>(
    `/v1/snapshots/import?name=${encodeURIComponent(name)}`,
    file,
    { contentType: 'application/octet-stream', onProgress, signal },
  );
}
