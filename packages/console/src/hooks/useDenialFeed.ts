import { useCallback, useEffect, useState } from 'react';
import type { EgressDenial } from '@paddock/shared';
import { isDaemonStopping } from '../lib/daemonStopping.js';

/** `stopping`: paddockd ended the feed as it stops; the browser reconnects when it is back. */
export type DenialFeedState = 'connecting' | 'live' | 'closed' | 'stopping';

/** How many refusals the page keeps (the daemon keeps as many per sandbox). */
export const DENIALS_SHOWN = 200;

export interface DenialFeed {
  /** Newest first, at most DENIALS_SHOWN. */
  denials: EgressDenial[];
  state: DenialFeedState;
  reconnect: () => void;
}

function parseDenial(event: MessageEvent<unknown>): EgressDenial | null {
  if (typeof event.data !== 'string') return null;
  try {
    const parsed: unknown = JSON.parse(event.data);
    if (typeof parsed === 'object' && parsed !== null && 'at' in parsed && 'host' in parsed) {
      return parsed as EgressDenial;
    }
  } catch {
    // A malformed frame is skipped, the feed goes on.
  }
  return null;
}

/** What tells two refusals apart: a reconnect replays the kept ones, which are not new. */
export function denialKey(d: EgressDenial): string {
  return `${d.at}|${d.sandbox_id}|${d.host ?? ''}|${d.port ?? ''}|${d.kind}|${d.reason}|${d.rule ?? ''}`;
}

/** Follows an app's egress refusals over SSE, newest first, bounded in memory. */
export function useDenialFeed(url: string | null): DenialFeed {
  const [denials, setDenials] = useState<EgressDenial[]>([]);
  const [state, setState] = useState<DenialFeedState>('connecting');
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (url === null) return;
    const source = new EventSource(url, { withCredentials: true });
    let stopping = false;

    function onDenial(event: MessageEvent<unknown>): void {
      const denial = parseDenial(event);
      if (denial === null) return;
      const key = denialKey(denial);
      // Frames come oldest first, so each new one goes on top.
      setDenials((list) =>
        list.some((d) => denialKey(d) === key) ? list : [denial, ...list].slice(0, DENIALS_SHOWN),
      );
    }

    function onOpen(): void {
      stopping = false;
      setState('live');
    }

    function onError(event: Event): void {
      stopping ||= isDaemonStopping(event);
      // The browser retries by itself unless the answer was not a stream (404, 409).
      if (source.readyState === EventSource.CLOSED) setState('closed');
      else setState(stopping ? 'stopping' : 'connecting');
    }

    setState('connecting');
    source.addEventListener('denial', onDenial);
    source.addEventListener('open', onOpen);
    source.addEventListener('error', onError);
    return () => source.close();
  }, [url, attempt]);

  const reconnect = useCallback(() => setAttempt((n) => n + 1), []);
  return { denials, state, reconnect };
}
