// Installing a package: a file goes up with XMLHttpRequest (fetch reports no upload progress),
// a URL is fetched by paddockd (SSRF-safe) and only the outcome comes back.
import type { InstallResult } from '@paddock/shared';
import { ApiError, isErrorBody, parseJson, requestJson } from './client.js';

/** Bytes sent so far and of how many (total 0 while unknown). */
export interface UploadProgress {
  sent: number;
  total: number;
}

export function uploadPackage(
  file: Blob,
  onProgress: (progress: UploadProgress) => void,
  signal?: AbortSignal,
): Promise<InstallResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/v1/userspace-apps');
    xhr.setRequestHeader('content-type', 'application/vnd.paddock.app');
    xhr.setRequestHeader('accept', 'application/json');
    xhr.setRequestHeader('x-paddock-csrf', '1');
    xhr.upload.onprogress = (event) =>
      onProgress({ sent: event.loaded, total: event.lengthComputable ? event.total : 0 });
    xhr.onload = () => {
      const parsed = parseJson(xhr.responseText);
      if (xhr.status >= 200 && xhr.status < 300 && parsed !== undefined) {
        resolve(parsed as InstallResult);
      } else if (isErrorBody(parsed)) {
        const { code, message, details } = parsed.error;
        reject(new ApiError(xhr.status, code, message, details));
      } else {
        reject(new ApiError(xhr.status, `http_${xhr.status}`, `paddockd answered ${xhr.status}`));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'Cannot reach paddockd. Is it running?'));
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'The upload was canceled'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

export function installFromUrl(sourceUrl: string): Promise<InstallResult> {
  return requestJson<InstallResult>('POST', '/v1/userspace-apps', {
    body: { source_url: sourceUrl },
  });
}
