import { useId, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useLogStream } from '../hooks/useLogStream.js';
import { DAEMON_STOPPING_TEXT } from '../lib/daemonStopping.js';
import '../styles/logs.css';

interface LogViewerProps {
  url: string;
  processName: string;
}

/** How close to the bottom (px) still counts as "following" the output. */
const FOLLOW_SLACK_PX = 24;

const STATE_LABEL = {
  connecting: 'connecting…',
  live: 'live',
  closed: 'disconnected',
  stopping: DAEMON_STOPPING_TEXT,
} as const;

/**
 * Live output of one process. Follows new output while "Follow" is on (scrolling up turns it
 * off, scrolling to the bottom back on). A search highlights matching text, case-insensitive,
 * and can hide the lines that do not match.
 */
export function LogViewer({ url, processName }: LogViewerProps) {
  const { text, state, trimmed, reconnect } = useLogStream(url);
  const preRef = useRef<HTMLPreElement>(null);
  const [follow, setFollow] = useState(true);
  const [search, setSearch] = useState('');
  const [onlyMatching, setOnlyMatching] = useState(false);
  const searchId = useId();
  const found = useMemo(
    () => findMatches(text, search, onlyMatching),
    [text, search, onlyMatching],
  );

  useLayoutEffect(() => {
    const pre = preRef.current;
    if (pre && follow) pre.scrollTop = pre.scrollHeight;
  }, [text, follow, found]);

  function handleScroll(): void {
    const pre = preRef.current;
    if (!pre) return;
    const atBottom = pre.scrollHeight - pre.scrollTop - pre.clientHeight <= FOLLOW_SLACK_PX;
    if (atBottom !== follow) setFollow(atBottom);
  }

  return (
    <section className="logs" aria-labelledby="logs-title">
      <div className="logs-header">
        <h3 id="logs-title">
          Logs: <code>{processName}</code>
        </h3>
        <span className={`logs-state logs-state-${state}`} aria-live="polite">
          {STATE_LABEL[state]}
        </span>
        {state === 'closed' && (
          <button type="button" className="button-quiet" onClick={reconnect}>
            Reconnect
          </button>
        )}
      </div>
      <div className="logs-tools">
        <label htmlFor={searchId} className="visually-hidden">
          Search the output of {processName}
        </label>
        <input
          id={searchId}
          type="search"
          placeholder="Search logs"
          value={search}
          data-testid="log-search"
          onChange={(event) => setSearch(event.target.value)}
        />
        {search !== '' && (
          <span className="logs-count" data-testid="log-match-count" aria-live="polite">
            {found.count === 1 ? '1 match' : `${found.count} matches`}
          </span>
        )}
        <label className="checkbox">
          <input
            type="checkbox"
            checked={onlyMatching}
            data-testid="log-only-matching"
            onChange={(event) => setOnlyMatching(event.target.checked)}
          />
          Only matching lines
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={follow}
            data-testid="log-follow"
            onChange={(event) => setFollow(event.target.checked)}
          />
          Follow
        </label>
      </div>
      {trimmed && (
        <p className="muted small">Older output was dropped; showing the last ~200 KB.</p>
      )}
      <pre
        ref={preRef}
        className="log-output"
        data-testid="process-logs"
        tabIndex={0}
        role="region"
        aria-label={`Output of ${processName}`}
        onScroll={handleScroll}
      >
        {found.content}
      </pre>
      {text === '' && state === 'live' && <p className="muted small">No output yet.</p>}
    </section>
  );
}

interface Matches {
  /** What the pane shows: the text with each match in a <mark>. */
  content: ReactNode;
  count: number;
}

/** Marks every case-insensitive occurrence of `search`; with `onlyMatching`, drops other lines. */
function findMatches(text: string, search: string, onlyMatching: boolean): Matches {
  if (search === '') return { content: text, count: 0 };
  const needle = search.toLowerCase();
  let lines = text.split('\n');
  if (onlyMatching) lines = lines.filter((line) => line.toLowerCase().includes(needle));
  const shown = lines.join('\n');
  const lower = shown.toLowerCase();
  const parts: ReactNode[] = [];
  let count = 0;
  let from = 0;
  for (let at = lower.indexOf(needle); at !== -1; at = lower.indexOf(needle, at + needle.length)) {
    if (at > from) parts.push(shown.slice(from, at));
    parts.push(
      <mark key={at} className="log-match">
        {shown.slice(at, at + needle.length)}
      </mark>,
    );
    count++;
    from = at + needle.length;
  }
  parts.push(shown.slice(from));
  return { content: parts, count };
}
