// Installing a package: a file goes up with upload progress, a URL is fetched by paddockd
// (SSRF-safe) and only the outcome comes back.
import type { InstallResult } from '@paddock/shared';
import { requestJson } from './client.js';
import { uploadWithProgress, type UploadProgress } from './upload.js';

export type { UploadProgress } from './upload.js';

export function uploadPackage(
  file: Blob,
  onProgress: (progress: UploadProgress) => void,
  signal?: AbortSignal,
): Promise<InstallResult> {
  return uploadWithProgress<InstallResult>('/v1/userspace-apps', file, {
    contentType: 'application/vnd.paddock.app',
    onProgress,
    signal,
  });
}

export function installFromUrl(sourceUrl: string): Promise<InstallResult> {
  return requestJson<InstallResult>('POST', '/v1/userspace-apps', {
    body: { source_url: sourceUrl },
  });
}
