// Bringing a project in: from a git repository (POST /v1/apps with source.git) or an uploaded
// archive (POST /v1/apps/import, with upload progress), always held for review; then the
// review's confirm, and the sandbox.yaml check the review runs as it is edited.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  App,
  ConfirmImportBody,
  CreateAppBody,
  GitSource,
  ManifestIssue,
} from '@paddock/shared';
import { ApiError, apiPath, requestJson } from './client.js';
import { queryKeys } from './queryKeys.js';
import { uploadWithProgress, type UploadProgress } from './upload.js';

function useKeepApp() {
  const client = useQueryClient();
  return (app: App) => {
    client.setQueryData(queryKeys.app(app.id), app);
    return client.invalidateQueries({ queryKey: queryKeys.appList });
  };
}

/** Clones the repository inside a new sandbox; the processes wait for the review. */
export function useImportFromGit() {
  const keep = useKeepApp();
  return useMutation({
    mutationFn: ({ name, git }: { name: string; git: GitSource }) =>
      requestJson<App>('POST', '/v1/apps', {
        body: { name, source: { git }, review: true } satisfies CreateAppBody,
      }),
    onSuccess: keep,
  });
}

/** Sends a tar, tar.gz or zip as raw bytes (the daemon recognises the format by its bytes). */
export function useImportFromArchive() {
  const keep = useKeepApp();
  return useMutation({
    mutationFn: ({
      name,
      file,
      onProgress,
      signal,
    }: {
      name: string;
      file: Blob;
      onProgress: (progress: UploadProgress) => void;
      signal?: AbortSignal;
    }) =>
      uploadWithProgress<App>(
        `/v1/apps/import?name=${encodeURIComponent(name)}&review=true`,
        file,
        {
          contentType: 'application/octet-stream',
          onProgress,
          signal,
        },
      ),
    onSuccess: keep,
  });
}

/** Starts the held processes, with sandbox.yaml as edited (only when it was edited). */
export function useConfirmImport(appId: string) {
  const keep = useKeepApp();
  return useMutation({
    mutationFn: (body: ConfirmImportBody) =>
      requestJson<App>('POST', apiPath`/v1/apps/${appId}/import/confirm`, { body }),
    onSuccess: keep,
  });
}

interface ManifestValidation {
  valid: boolean;
  errors?: ManifestIssue[];
}

/** The daemon's own check of a sandbox.yaml text (no sandbox needed); null while not asked. */
export function useManifestCheck(text: string | null) {
  return useQuery({
    queryKey: queryKeys.manifestCheck(text ?? ''),
    queryFn: ({ signal }) =>
      requestJson<ManifestValidation>('POST', '/v1/runtime/manifest/validate', {
        body: { content: text ?? '' },
        signal,
      }),
    enabled: text !== null,
    staleTime: Infinity,
  });
}

/** The problems a `manifest_invalid` answer lists (details.errors), or none. */
export function manifestIssuesOf(error: unknown): ManifestIssue[] {
  if (!(error instanceof ApiError) || error.code !== 'manifest_invalid') return [];
  const details = error.details;
  if (typeof details !== 'object' || details === null || !('errors' in details)) return [];
  const errors = (details as { errors: unknown }).errors;
  return Array.isArray(errors) ? (errors as ManifestIssue[]) : [];
}
