import type { EgressDenial, EgressPolicy } from '@paddock/shared';
import { egressDenialsUrl, useSetEgressPolicy } from '../../api/egress.js';
import { denialKey, DENIALS_SHOWN, useDenialFeed } from '../../hooks/useDenialFeed.js';
import { useNow } from '../../hooks/useNow.js';
import { DAEMON_STOPPING_TEXT } from '../../lib/daemonStopping.js';
import { fullTime, timeAgo } from '../../lib/time.js';
import { ErrorNotice } from '../ErrorNotice.js';

interface DenialFeedPanelProps {
  appId: string;
  policy: EgressPolicy;
}

const STATE_LABELS = {
  connecting: 'Connecting…',
  live: 'Live',
  closed: 'Disconnected',
  stopping: DAEMON_STOPPING_TEXT,
} as const;

/** What a denial offers: allow its host, or why allowing it would not help. */
function DenialAction({
  denial,
  policy,
  onAllow,
  allowing,
}: {
  denial: EgressDenial;
  policy: EgressPolicy;
  onAllow: (host: string) => void;
  allowing: string | null;
}) {
  const host = denial.host?.toLowerCase() ?? null;
  if (denial.kind === 'connection_limit') {
    return <span className="muted small">Too many open connections</span>;
  }
  if (host === null) return <span className="muted small">No host named</span>;
  if (denial.rule !== null) {
    return <span className="muted small">Remove the deny entry to allow it</span>;
  }
  if (policy.allow.includes(host)) return <span className="small">Allowed now</span>;
  return (
    <button
      type="button"
      className="button-quiet"
      disabled={allowing !== null}
      aria-label={`Allow ${host}`}
      data-testid="denial-allow"
      onClick={() => onAllow(host)}
    >
      {allowing === host ? 'Allowing…' : 'Allow this host'}
    </button>
  );
}

/** The live feed of the requests the app's egress refused, newest first. */
export function DenialFeedPanel({ appId, policy }: DenialFeedPanelProps) {
  const feed = useDenialFeed(egressDenialsUrl(appId));
  const save = useSetEgressPolicy(appId);
  const now = useNow(true, 15_000);
  const allowing = save.isPending ? (save.variables.allow.at(-1) ?? null) : null;

  function allow(host: string): void {
    // Adds to the lists as saved (not to unsaved edits in the form above).
    save.mutate({ allow: [...policy.allow, host], deny: policy.deny });
  }

  return (
    <section className="egress-feed" aria-labelledby="egress-feed-title" data-testid="denial-feed">
      <div className="panel-header">
        <h3 id="egress-feed-title">Refused requests</h3>
        <span
          className={`logs-state logs-state-${feed.state}`}
          role="status"
          data-testid="denial-feed-state"
          data-state={feed.state}
        >
          {STATE_LABELS[feed.state]}
        </span>
        {feed.state === 'closed' && (
          <button type="button" className="button-quiet" onClick={feed.reconnect}>
            Reconnect
          </button>
        )}
      </div>
      <p className="muted small">
        Every connection the egress proxy refused, as it happens (the latest {DENIALS_SHOWN}).
      </p>
      {feed.state === 'closed' && (
        <p className="notice notice-error small">
          The feed stopped: the sandbox may be gone or paddockd restarted. Reconnect to follow it
          again.
        </p>
      )}
      {save.isError && (
        <ErrorNotice
          error={save.error}
          title="Could not allow the host"
          testId="denial-allow-error"
        />
      )}
      {feed.denials.length === 0 ? (
        <p className="empty" data-testid="denial-feed-empty">
          {feed.state === 'live'
            ? 'Nothing refused yet. When the app reaches for a host that is not allowed, it shows here.'
            : 'Waiting for the feed…'}
        </p>
      ) : (
        // Focusable: on a phone it scrolls sideways, and a row may hold no button to reach it by.
        <div
          className="table-scroll"
          role="region"
          aria-label="Refused requests, newest first"
          tabIndex={0}
        >
          <table className="table egress-denials">
            <caption className="visually-hidden">Refused requests, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Host</th>
                <th scope="col">Port</th>
                <th scope="col">Why</th>
                <th scope="col">When</th>
                <th scope="col">Sandbox</th>
                <th scope="col">
                  <span className="visually-hidden">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {feed.denials.map((d) => (
                <tr key={denialKey(d)} data-testid="denial" data-host={d.host ?? ''}>
                  <th scope="row">
                    <code>{d.host ?? '—'}</code>
                  </th>
                  <td>{d.port ?? '—'}</td>
                  <td>{d.rule ?? d.reason}</td>
                  <td>
                    <time dateTime={d.at} title={fullTime(d.at)}>
                      {timeAgo(d.at, now)}
                    </time>
                  </td>
                  <td>
                    <code className="small">{d.sandbox_id}</code>
                  </td>
                  <td>
                    <DenialAction denial={d} policy={policy} onAllow={allow} allowing={allowing} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
