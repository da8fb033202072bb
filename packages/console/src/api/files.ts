// The sandbox workspace's files: list a directory, read and write a file, make, move, delete.
import { useQuery } from '@tanstack/react-query';
import type { FileListing, FileStat, FileWatchEvent } from '@paddock/shared';
import { apiPath, requestBytes, requestEmpty, requestJson } from './client.js';
import { queryKeys } from './queryKeys.js';

export type { FileListing, FileStat, FileWatchEvent };

/** Files larger than this are not opened in the editor (a browser editor is not for them). */
export const EDITOR_MAX_BYTES = 1024 * 1024;

/** A file as the editor may get it: its text, or why it is not shown as text. */
export type FileContent =
  | { kind: 'text'; text: string }
  | { kind: 'binary'; size: number }
  | { kind: 'too-large'; size: number };

const query = (params: Record<string, string | boolean | undefined>) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) search.set(key, String(value));
  }
  return `?${search.toString()}`;
};

export function listDirectory(sandboxId: string, dir: string): Promise<FileListing> {
  return requestJson<FileListing>(
    'GET',
    apiPath`/v1/sandboxes/${sandboxId}/files/list` + query({ path: dir }),
  );
}

export function statPath(sandboxId: string, path: string): Promise<FileStat> {
  return requestJson<FileStat>(
    'GET',
    apiPath`/v1/sandboxes/${sandboxId}/files/stat` + query({ path }),
  );
}

/** Bytes that valid UTF-8 text does not hold: a NUL, or a decode failure. */
function decodeText(bytes: Uint8Array): string | null {
  if (bytes.includes(0)) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** Reads a file for the editor; its size is checked first so a huge file is never fetched. */
export async function readFileContent(sandboxId: string, path: string): Promise<FileContent> {
  const stat = await statPath(sandboxId, path);
  if (stat.size > EDITOR_MAX_BYTES) return { kind: 'too-large', size: stat.size };
  const response = await requestBytes(
    'GET',
    apiPath`/v1/sandboxes/${sandboxId}/files` + query({ path }),
    { headers: { accept: 'application/octet-stream' } },
  );
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > EDITOR_MAX_BYTES) return { kind: 'too-large', size: bytes.length };
  const text = decodeText(bytes);
  return text === null ? { kind: 'binary', size: bytes.length } : { kind: 'text', text };
}

export function writeFileText(sandboxId: string, path: string, text: string): Promise<unknown> {
  return requestJson('PUT', apiPath`/v1/sandboxes/${sandboxId}/files` + query({ path }), {
    body: new Blob([text]),
  });
}

export function makeDirectory(sandboxId: string, path: string): Promise<FileStat> {
  return requestJson<FileStat>('POST', apiPath`/v1/sandboxes/${sandboxId}/files/mkdir`, {
    body: { path, parents: true },
  });
}

export function movePath(sandboxId: string, from: string, to: string): Promise<FileStat> {
  return requestJson<FileStat>('POST', apiPath`/v1/sandboxes/${sandboxId}/files/move`, {
    body: { from, to },
  });
}

export function deletePath(sandboxId: string, path: string, recursive: boolean): Promise<void> {
  return requestEmpty(
    'DELETE',
    apiPath`/v1/sandboxes/${sandboxId}/files` + query({ path, recursive }),
  );
}

/** The SSE address of a recursive watch of the whole workspace. */
export function fileWatchUrl(sandboxId: string): string {
  return apiPath`/v1/sandboxes/${sandboxId}/files/watch` + query({ path: '.', recursive: true });
}

/** One directory's entries, directories first then by name; fetched only while shown. */
export function useDirectory(sandboxId: string, dir: string) {
  return useQuery({
    queryKey: queryKeys.fileList(sandboxId, dir),
    queryFn: async () => {
      const listing = await listDirectory(sandboxId, dir);
      const entries = [...listing.entries].sort(
        (a, b) =>
          Number(b.type === 'directory') - Number(a.type === 'directory') ||
          a.name.localeCompare(b.name),
      );
      return { ...listing, entries };
    },
    staleTime: 30_000,
  });
}
