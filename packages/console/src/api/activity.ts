import { useEffect, useState } from 'react';
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import type { EventPage, PaddockEvent } from '@paddock/shared';
import { isDaemonStopping } from '../lib/daemonStopping.js';
import { apiPath, requestJson } from './client.js';
import { queryKeys } from './queryKeys.js';

/** Events per page of the activity list. */
const PAGE_SIZE = 50;

/** The address of an app's events, with its type filter (`''`: every type). */
function eventsUrl(appId: string, type: string, page?: { cursor: string }): string {
  const query = new URLSearchParams();
  if (type) query.set('type', type);
  if (page) query.set('limit', String(PAGE_SIZE));
  if (page?.cursor) query.set('cursor', page.cursor);
  return apiPath`/v1/apps/${appId}/events` + (query.size > 0 ? `?${query}` : '');
}

/** The app's events, newest first, a page at a time ("Load more"). */
export function useAppEvents(appId: string, type: string) {
  return useInfiniteQuery({
    queryKey: queryKeys.appEvents(appId, type),
    queryFn: ({ pageParam, signal }) =>
      requestJson<EventPage>('GET', eventsUrl(appId, type, { cursor: pageParam }), { signal }),
    initialPageParam: '',
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

/** `stopping`: paddockd ended the stream as it stops; the browser reconnects when it is back. */
export type EventStreamState = 'connecting' | 'live' | 'closed' | 'stopping';

/**
 * Follows the app's events as they happen (SSE). New ones are kept here, newest first; the
 * browser's own reconnects send Last-Event-ID, so the daemon replays what was missed. Each
 * (re)open also refreshes the pages, which covers anything between the first page and the open.
 */
export function useAppEventStream(appId: string, type: string) {
  const client = useQueryClient();
  const [events, setEvents] = useState<PaddockEvent[]>([]);
  const [state, setState] = useState<EventStreamState>('connecting');
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const url = eventsUrl(appId, type);
    const source = new EventSource(url, { withCredentials: true });
    setEvents([]);
    setState('connecting');
    let opened = false;
    let stopping = false;
    source.addEventListener('open', () => {
      stopping = false;
      setState('live');
      if (opened) void client.invalidateQueries({ queryKey: queryKeys.appEvents(appId, type) });
      opened = true;
    });
    source.addEventListener('error', (event) => {
      stopping ||= isDaemonStopping(event);
      // The browser retries by itself unless the answer was not a stream (404, 401).
      if (source.readyState === EventSource.CLOSED) setState('closed');
      else setState(stopping ? 'stopping' : 'connecting');
    });
    source.addEventListener('event', (message: MessageEvent<unknown>) => {
      const event = parseEvent(message.data);
      if (!event) return;
      setEvents((shown) =>
        shown.some((e) => e.id === event.id) ? shown : [event, ...shown].slice(0, 500),
      );
    });
    return () => source.close();
  }, [appId, type, attempt, client]);

  return { events, state, reconnect: () => setAttempt((n) => n + 1) };
}

function parseEvent(data: unknown): PaddockEvent | null {
  if (typeof data !== 'string') return null;
  try {
    const parsed = JSON.parse(data) as unknown;
    if (typeof parsed === 'object' && parsed !== null && 'id' in parsed && 'type' in parsed) {
      return parsed as PaddockEvent;
    }
  } catch {
    // A malformed frame is skipped; the stream goes on.
  }
  return null;
}
