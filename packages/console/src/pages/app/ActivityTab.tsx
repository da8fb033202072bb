import { useId, useState } from 'react';
import type { PaddockEvent } from '@paddock/shared';
import { useAppEventStream, useAppEvents } from '../../api/activity.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { DAEMON_STOPPING_TEXT } from '../../lib/daemonStopping.js';
import { fullTime, timeAgo } from '../../lib/time.js';
import type { AppTabProps } from './appTab.js';
import '../../styles/activity.css';

/** The type filters offered: a prefix each (the API takes `kind.*`). */
const TYPE_FILTERS = [
  ['', 'Everything'],
  ['sandbox.*', 'Sandbox lifecycle'],
  ['app.*', 'App'],
  ['runtime.*', 'Processes'],
  ['manifest.*', 'Manifest'],
  ['dependencies.*', 'Dependencies'],
  ['snapshot.*', 'Snapshots'],
  ['checkpoint.*', 'Checkpoints'],
  ['config.*', 'Config'],
  ['preview.*', 'Preview'],
] as const;

const STREAM_LABEL = {
  connecting: 'connecting…',
  live: 'live',
  closed: 'disconnected',
  stopping: DAEMON_STOPPING_TEXT,
} as const;

/** The app's events across all its sandboxes: newest first, paged, new ones as they happen. */
export function ActivityTab({ app }: AppTabProps) {
  const [type, setType] = useState('');
  const filterId = useId();
  const pages = useAppEvents(app.id, type);
  const stream = useAppEventStream(app.id, type);

  // Live ones first, then the pages; an event in both shows once.
  const seen = new Set<string>();
  const events: PaddockEvent[] = [];
  for (const e of [...stream.events, ...(pages.data?.pages.flatMap((p) => p.items) ?? [])]) {
    if (seen.has(e.id)) continue;
    seen.add(e.id);
    events.push(e);
  }
  events.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));

  return (
    <section
      className="panel activity"
      aria-labelledby="activity-title"
      data-app={app.id}
      data-testid="activity"
    >
      <div className="panel-header">
        <h2 id="activity-title">Activity</h2>
        <span
          className={`logs-state logs-state-${stream.state}`}
          data-testid="activity-stream-state"
          data-state={stream.state}
          role="status"
        >
          {STREAM_LABEL[stream.state]}
        </span>
        {stream.state === 'closed' && (
          <button type="button" className="button-quiet" onClick={stream.reconnect}>
            Reconnect
          </button>
        )}
      </div>
      <p className="muted small">
        What happened to this app and every sandbox it has had. New events appear at the top as they
        happen.
      </p>
      <div className="inline-form">
        <label htmlFor={filterId}>Show</label>
        <select
          id={filterId}
          value={type}
          data-testid="activity-filter"
          onChange={(event) => setType(event.target.value)}
        >
          {TYPE_FILTERS.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      {pages.isError && (
        <ErrorNotice
          error={pages.error}
          title="Could not load the app's events (reload the page to try again)"
        />
      )}
      {pages.isPending ? (
        <p role="status">Loading events…</p>
      ) : events.length === 0 ? (
        <p className="empty">
          {type
            ? 'No events of this kind yet. Choose “Everything” to see all of them.'
            : 'No events yet. Starting, stopping or changing the app records them here.'}
        </p>
      ) : (
        <ol className="activity-list" data-testid="activity-list" aria-label="Events, newest first">
          {events.map((event) => (
            <ActivityItem key={event.id} event={event} />
          ))}
        </ol>
      )}
      {pages.hasNextPage && (
        <button
          type="button"
          className="button-quiet"
          data-testid="activity-more"
          disabled={pages.isFetchingNextPage}
          onClick={() => void pages.fetchNextPage()}
        >
          {pages.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      )}
    </section>
  );
}

function ActivityItem({ event }: { event: PaddockEvent }) {
  const payload = Object.keys(event.payload).length > 0;
  return (
    <li
      className={`activity-item activity-${event.severity}`}
      data-testid="activity-item"
      data-type={event.type}
      data-sandbox={event.sandbox_id ?? ''}
    >
      <details>
        <summary>
          <time dateTime={event.created_at} title={fullTime(event.created_at)}>
            {timeAgo(event.created_at)}
          </time>
          <code className="activity-type">{event.type}</code>
          <span className="activity-message">{event.message}</span>
          {event.sandbox_id && (
            <code className="activity-sandbox" title={`Sandbox ${event.sandbox_id}`}>
              {shortSandbox(event.sandbox_id)}
            </code>
          )}
          {event.severity !== 'info' && (
            <span className={`activity-severity activity-severity-${event.severity}`}>
              {event.severity}
            </span>
          )}
        </summary>
        <dl className="activity-details">
          <dt>When</dt>
          <dd>{fullTime(event.created_at)}</dd>
          <dt>Sandbox</dt>
          <dd>{event.sandbox_id ? <code>{event.sandbox_id}</code> : 'none'}</dd>
          <dt>Event id</dt>
          <dd>
            <code>{event.id}</code>
          </dd>
          {payload && (
            <>
              <dt>Details</dt>
              <dd>
                <pre
                  className="activity-payload"
                  tabIndex={0}
                  role="region"
                  aria-label={`Details of event ${event.id}`}
                >
                  {JSON.stringify(event.payload, null, 2)}
                </pre>
              </dd>
            </>
          )}
        </dl>
      </details>
    </li>
  );
}

/** `sb…8488r`: enough to tell an app's sandboxes apart; the full id is in the details. */
function shortSandbox(id: string): string {
  return `${id.slice(0, 2)}…${id.slice(-6)}`;
}
