import { useLayoutEffect, useRef } from 'react';
import { useLogStream } from '../hooks/useLogStream.js';

interface LogViewerProps {
  url: string;
  processName: string;
}

/** How close to the bottom (px) still counts as "following" the output. */
const FOLLOW_SLACK_PX = 24;

const STATE_LABEL = { connecting: 'connecting…', live: 'live', closed: 'disconnected' } as const;

/** Live output of one process. Follows new output unless the reader has scrolled up. */
export function LogViewer({ url, processName }: LogViewerProps) {
  const { text, state, trimmed, reconnect } = useLogStream(url);
  const preRef = useRef<HTMLPreElement>(null);
  const followRef = useRef(true);

  useLayoutEffect(() => {
    const pre = preRef.current;
    if (pre && followRef.current) pre.scrollTop = pre.scrollHeight;
  }, [text]);

  function handleScroll(): void {
    const pre = preRef.current;
    if (!pre) return;
    followRef.current = pre.scrollHeight - pre.scrollTop - pre.clientHeight <= FOLLOW_SLACK_PX;
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
        {text}
      </pre>
      {text === '' && state === 'live' && <p className="muted small">No output yet.</p>}
    </section>
  );
}
