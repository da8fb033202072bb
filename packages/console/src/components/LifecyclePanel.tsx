import { useId, useState } from 'react';
import type { App, SandboxDetail } from '@paddock/shared';
import { useRotatePreview, useSandboxLifecycle } from '../api/lifecycle.js';
import { summarizeApp } from '../lib/appStatus.js';
import { fullTime, timeAgo } from '../lib/time.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { CopyButton } from './CopyButton.js';
import { ErrorNotice } from './ErrorNotice.js';
import { StatusBadge } from './StatusBadge.js';
import '../styles/lifecycle.css';

/** How long "Keep alive" holds off idle stop, offered as choices (the admin sets the most). */
const KEEPALIVE_CHOICES = [
  [900, '15 minutes'],
  [3600, '1 hour'],
] as const;

const ACTION_TITLE = {
  stop: 'Could not stop the sandbox',
  start: 'Could not start the sandbox',
  keepalive: 'Could not keep the sandbox alive',
} as const;

/**
 * The app's sandbox by hand: stop, start, hold off idle stop, and rotate the preview link. The
 * public/private switch is in Settings above (AppSettings), not repeated here.
 */
export function LifecyclePanel({ app, sandbox }: { app: App; sandbox: SandboxDetail }) {
  const lifecycle = useSandboxLifecycle(app.id, sandbox.id);
  const summary = summarizeApp(app);
  const [seconds, setSeconds] = useState<number>(KEEPALIVE_CHOICES[0][0]);
  const keepaliveId = useId();
  const running = sandbox.status === 'running';
  const stopped = sandbox.status === 'stopped' || sandbox.status === 'failed';
  const pending = lifecycle.isPending ? lifecycle.variables.action : null;
  const kept =
    sandbox.keepalive_until !== null && Date.parse(sandbox.keepalive_until) > Date.now()
      ? sandbox.keepalive_until
      : null;

  return (
    <section className="panel" aria-labelledby="lifecycle-title" data-testid="lifecycle">
      <div className="panel-header">
        <h2 id="lifecycle-title">Sandbox</h2>
        <StatusBadge tone={summary.tone}>{summary.label}</StatusBadge>
      </div>
      <p className="muted small">
        <code>{sandbox.id}</code>
        {kept && (
          <>
            {' '}
            · kept alive until <span title={fullTime(kept)}>{fullTime(kept)}</span>
          </>
        )}
        {sandbox.last_active_at && <> · last active {timeAgo(sandbox.last_active_at)}</>}
      </p>
      <div className="actions lifecycle-actions">
        <button
          type="button"
          data-testid="lifecycle-stop"
          disabled={!running || pending !== null}
          onClick={() => lifecycle.mutate({ action: 'stop' })}
        >
          {pending === 'stop' ? 'Stopping…' : 'Stop'}
        </button>
        <button
          type="button"
          data-testid="lifecycle-start"
          disabled={!stopped || pending !== null}
          onClick={() => lifecycle.mutate({ action: 'start' })}
        >
          {pending === 'start' ? 'Starting…' : 'Start'}
        </button>
        <span className="lifecycle-keepalive">
          <label htmlFor={keepaliveId}>Keep alive for</label>
          <select
            id={keepaliveId}
            value={seconds}
            onChange={(event) => setSeconds(Number(event.target.value))}
          >
            {KEEPALIVE_CHOICES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="button-quiet"
            data-testid="lifecycle-keepalive"
            disabled={!running || pending !== null}
            onClick={() => lifecycle.mutate({ action: 'keepalive', seconds })}
          >
            {pending === 'keepalive' ? 'Keeping alive…' : 'Keep alive'}
          </button>
        </span>
      </div>
      {!running && !stopped && (
        <p className="muted small" role="status">
          The sandbox is {sandbox.status}; stop and start wait until it settles.
        </p>
      )}
      {lifecycle.isError && (
        <ErrorNotice error={lifecycle.error} title={ACTION_TITLE[lifecycle.variables.action]} />
      )}
      <RotatePreview app={app} sandbox={sandbox} />
    </section>
  );
}

/** "Rotate preview link", after a confirm that says every link given out stops working. */
function RotatePreview({ app, sandbox }: { app: App; sandbox: SandboxDetail }) {
  const rotate = useRotatePreview(app.id, sandbox.id);
  const [open, setOpen] = useState(false);
  const link = sandbox.preview.url;

  return (
    <div className="lifecycle-preview">
      <h3>Preview link</h3>
      {link ? (
        <p className="lifecycle-link">
          <a href={link} target="_blank" rel="noreferrer" data-testid="lifecycle-preview-link">
            {link}
          </a>{' '}
          <CopyButton text={link} label="Copy preview link" />
        </p>
      ) : (
        <p className="muted small">No preview link: the app has no web process.</p>
      )}
      <button
        type="button"
        className="button-quiet"
        data-testid="rotate-preview"
        onClick={() => {
          rotate.reset();
          setOpen(true);
        }}
      >
        Rotate preview link…
      </button>
      {rotate.isSuccess && !open && (
        <p className="small" role="status" data-testid="rotate-done">
          New preview link made; the old ones no longer work.
        </p>
      )}
      {rotate.isError && !open && (
        <ErrorNotice error={rotate.error} title="Could not rotate the preview link" />
      )}
      <ConfirmDialog
        open={open}
        title="Rotate the preview link?"
        confirmLabel="Rotate link"
        pendingLabel="Rotating…"
        pending={rotate.isPending}
        error={rotate.isError ? rotate.error : null}
        errorTitle="Could not rotate the preview link"
        testId="rotate-dialog"
        confirmTestId="rotate-confirm"
        onConfirm={() => rotate.mutate(undefined, { onSuccess: () => setOpen(false) })}
        onClose={() => setOpen(false)}
      >
        <p>
          Every preview link and preview cookie given out so far stops working at once: anyone you
          shared the link with needs the new one.
          {app.public &&
            ' This app is public, so its address stays the same; only private links change.'}
        </p>
      </ConfirmDialog>
    </div>
  );
}
