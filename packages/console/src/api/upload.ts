// Uploads that show progress: fetch reports none for a request body, so these few go through
// XMLHttpRequest, with the same CSRF header and cookie as every other call (see client.ts).
import { ApiError, isErrorBody, parseJson } from './client.js';

/** Bytes sent so far and of how many (total 0 while unknown). */
export interface UploadProgress {
  sent: number;
  total: number;
}

interface UploadOptions {
  contentType: string;
  onProgress: (progress: UploadProgress) => void;
  signal?: AbortSignal;
}

/** POSTs the bytes to a same-origin path; resolves to the JSON answer of type T. */
export function uploadWithProgress<T>(
  path: string,
  body: Blob,
  { contentType, onProgress, signal }: UploadOptions,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.withCredentials = true;
    xhr.setRequestHeader('content-type', contentType);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.setRequestHeader('x-paddock-csrf', '1');
    xhr.upload.onprogress = (event) =>
      onProgress({ sent: event.loaded, total: event.lengthComputable ? event.total : 0 });
    xhr.onload = () => {
      const parsed = parseJson(xhr.responseText);
      if (xhr.status >= 200 && xhr.status < 300 && parsed !== undefined) {
        resolve(parsed as T);
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
    xhr.send(body);
  });
}
