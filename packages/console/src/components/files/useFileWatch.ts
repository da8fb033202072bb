import { useCallback, useEffect, useRef, useState } from 'react';
import type { FileWatchEvent } from '../../api/files.js';
import { fileWatchUrl } from '../../api/files.js';
import { isDaemonStopping } from '../../lib/daemonStopping.js';

/**
 * `unavailable`: the watch was refused for good (e.g. too many folders to follow) or kept
 * failing; `stopping`: paddockd ended it as it stops, and it is tried again until it is back.
 */
export type FileWatchState = 'connecting' | 'live' | 'closed' | 'unavailable' | 'stopping';

export interface FileWatchHandlers {
  /** A path was created, changed or removed (a removed directory stands for all below it). */
  onChange: (event: FileWatchEvent) => void;
  /** Changes were dropped (too many too fast) or the watch (re)started: look again. */
  onResync: () => void;
}

/** After the stream ends on its own, try again this much later. */
const RETRY_MS = 5000;
/** Failed attempts in a row (never ready) after which the watch gives up until remounted. */
const MAX_FAILURES = 3;

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

function frameCode(data: unknown): string | null {
  if (typeof data !== 'string') return null;
  try {
    const parsed: unknown = JSON.parse(data);
    return typeof parsed === 'object' && parsed !== null && 'code' in parsed
      ? String(parsed.code)
      : null;
  } catch {
    return null;
  }
}

/**
 * Follows changes anywhere in the sandbox's workspace over SSE (one recursive watch; inside
 * node_modules and .git only the directories themselves are reported). Reconnects after the
 * stream ends, and asks for a resync each time it is (re)established since changes may have
 * been missed in between.
 */
export function useFileWatch(
  sandboxId: string,
  handlers: FileWatchHandlers,
): { state: FileWatchState; restart: () => void } {
  const [state, setState] = useState<FileWatchState>('connecting');
  const [attempt, setAttempt] = useState(0);
  const latest = useRef(handlers);
  useEffect(() => {
    latest.current = handlers;
  });

  useEffect(() => {
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | null = null;
    let readyOnce = false;
    let failures = 0;
    let stopped = false;
    /** Set by paddockd's closing event, until a watch is ready again. */
    let daemonStopping = false;

    function connect(): void {
      source = new EventSource(fileWatchUrl(sandboxId), { withCredentials: true });
      setState(daemonStopping ? 'stopping' : 'connecting');
      const onChange = (event: MessageEvent<unknown>) => {
        const change = parseEvent(event.data);
        if (change) latest.current.onChange(change);
      };
      for (const type of ['created', 'changed', 'removed']) {
        source.addEventListener(type, onChange);
      }
      source.addEventListener('ready', () => {
        setState('live');
        failures = 0;
        daemonStopping = false;
        if (readyOnce) latest.current.onResync();
        readyOnce = true;
      });
      source.addEventListener('overflow', () => latest.current.onResync());
      source.addEventListener('error', (event) => {
        // Not a failure: retried until paddockd is back, however long that takes.
        if (isDaemonStopping(event)) {
          daemonStopping = true;
          source?.close();
          setState('stopping');
          if (!stopped) retry = setTimeout(connect, RETRY_MS);
          return;
        }
        // A refusal that retrying cannot fix ends the watch (a bad request stays bad).
        if (event instanceof MessageEvent && frameCode(event.data) === 'bad_request') {
          source?.close();
          setState('unavailable');
          return;
        }
        // An `error` frame from the daemon, or the connection failing: the browser retries a
        // dropped connection by itself, but not a stream that ended with an error answer.
        if (source?.readyState === EventSource.CONNECTING) {
          setState(daemonStopping ? 'stopping' : 'connecting');
          return;
        }
        source?.close();
        failures++;
        if (failures >= MAX_FAILURES) {
          setState('unavailable');
          return;
        }
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
  }, [sandboxId, attempt]);

  const restart = useCallback(() => setAttempt((n) => n + 1), []);
  return { state, restart };
}
