import { useEffect, useRef, useState } from 'react';
import type { FileWatchEvent } from '../../api/files.js';
import { fileWatchUrl } from '../../api/files.js';

export type FileWatchState = 'connecting' | 'live' | 'closed';

export interface FileWatchHandlers {
  /** A path was created, changed or removed (a removed directory stands for all below it). */
  onChange: (event: FileWatchEvent) => void;
  /** Changes were dropped (too many too fast) or the watch (re)started: look again. */
  onResync: () => void;
}

/** After the stream ends on its own, try again this much later. */
const RETRY_MS = 5000;

function parseEvent(data: unknown): FileWatchEvent | null {
  if (typeof data !== 'string') return null;
  try {
    const parsed: unknown = JSON.parse(data);
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'path' in parsed &&
      typeof parsed.path === 'string' &&
      'type' in parsed &&
      'kind' in parsed
    ) {
      return parsed as FileWatchEvent;
    }
  } catch {
    // A malformed frame is skipped; the watch goes on.
  }
  return null;
}

/**
 * Follows changes anywhere in the sandbox's workspace over SSE (one recursive watch; inside
 * node_modules and .git only the directories themselves are reported). Reconnects after the
 * stream ends, and asks for a resync each time it is (re)established since changes may have
 * been missed in between.
 */
export function useFileWatch(sandboxId: string, handlers: FileWatchHandlers): FileWatchState {
  const [state, setState] = useState<FileWatchState>('connecting');
  const latest = useRef(handlers);
  useEffect(() => {
    latest.current = handlers;
  });

  useEffect(() => {
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | null = null;
    let readyOnce = false;
    let stopped = false;

    function connect(): void {
      source = new EventSource(fileWatchUrl(sandboxId), { withCredentials: true });
      setState('connecting');
      const onChange = (event: MessageEvent<unknown>) => {
        const change = parseEvent(event.data);
        if (change) latest.current.onChange(change);
      };
      for (const type of ['created', 'changed', 'removed']) {
        source.addEventListener(type, onChange);
      }
      source.addEventListener('ready', () => {
        setState('live');
        if (readyOnce) latest.current.onResync();
        readyOnce = true;
      });
      source.addEventListener('overflow', () => latest.current.onResync());
      source.addEventListener('error', () => {
        // An `error` frame from the daemon, or the connection failing: the browser retries a
        // dropped connection by itself, but not a stream that ended with an error answer.
        if (source?.readyState === EventSource.CONNECTING) {
          setState('connecting');
          return;
        }
        source?.close();
        setState('closed');
        if (!stopped) retry = setTimeout(connect, RETRY_MS);
      });
    }

    connect();
    return () => {
      stopped = true;
      source?.close();
      if (retry !== null) clearTimeout(retry);
    };
  }, [sandboxId]);

  return state;
}
