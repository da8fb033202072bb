import { useEffect } from 'react';
import { useApp } from '../api/apps.js';
import { ApiError } from '../api/client.js';
import { AppSettings } from '../components/AppSettings.js';
import { AppStatusLine } from '../components/AppStatusLine.js';
import { DeleteAppPanel } from '../components/DeleteAppPanel.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { Link } from '../components/Link.js';
import { ManifestErrors } from '../components/ManifestErrors.js';
import { PreviewPanel } from '../components/PreviewPanel.js';
import { ProcessesPanel } from '../components/ProcessesPanel.js';
import { PublishPanel } from '../components/PublishPanel.js';
import { TasksPanel } from '../components/TasksPanel.js';
import { WakeButton } from '../components/WakeButton.js';
import { fullTime, timeAgo } from '../lib/time.js';
import { paths } from '../router/routes.js';

export function AppPage({ id }: { id: string }) {
  const query = useApp(id);
  const app = query.data;

  const name = app?.name;
  useEffect(() => {
    document.title = name ? `${name} · Paddock` : 'Paddock';
    return () => {
      document.title = 'Paddock';
    };
  }, [name]);

  const back = (
    <p>
      <Link to={paths.apps}>← Apps</Link>
    </p>
  );

  if (query.isPending) {
    return (
      <main className="page">
        {back}
        <p className="muted">Loading…</p>
      </main>
    );
  }
  if (!app) {
    const gone = query.error instanceof ApiError && query.error.status === 404;
    return (
      <main className="page">
        {back}
        {gone ? <p>There is no app with this id.</p> : <ErrorNotice error={query.error} />}
      </main>
    );
  }

  const sandbox = app.sandbox;
  const canWake = !sandbox || sandbox.status === 'stopped' || sandbox.status === 'failed';

  return (
    <main className="page page-wide">
      {back}
      <div className="page-header">
        <h1>{app.name}</h1>
        <span className="muted">
          {app.preset}
          {app.public && ' · public'} · created{' '}
          <span title={fullTime(app.created_at)}>{timeAgo(app.created_at)}</span>
        </span>
      </div>
      {query.isError && (
        <ErrorNotice error={query.error} title="Could not refresh; showing the last known state" />
      )}
      <div className="status-bar">
        <AppStatusLine app={app} testId="app-status" />
        {sandbox?.last_active_at && (
          <span className="muted small" title={fullTime(sandbox.last_active_at)}>
            active {timeAgo(sandbox.last_active_at)}
          </span>
        )}
        {canWake && <WakeButton appId={app.id} label={sandbox ? 'Wake' : 'Start'} />}
      </div>
      {sandbox ? (
        <>
          <ManifestErrors errors={sandbox.manifest.errors} source={sandbox.manifest.source} />
          <div className="workbench">
            <TasksPanel appId={app.id} sandbox={sandbox} />
            <div className="workbench-preview">
              {sandbox.preview.status === 'none' ? (
                <section className="panel" aria-labelledby="preview-title">
                  <h2 id="preview-title">Preview</h2>
                  <p className="muted">
                    No preview: this app has no web process (status{' '}
                    <span data-testid="preview-status">none</span>). Its processes are below.
                  </p>
                </section>
              ) : (
                <PreviewPanel appName={app.name} sandbox={sandbox} />
              )}
            </div>
          </div>
          <ProcessesPanel appId={app.id} sandbox={sandbox} />
        </>
      ) : (
        <p className="empty">
          This app has no sandbox, so nothing to build in or preview yet: start it with the button
          above.
        </p>
      )}
      <PublishPanel app={app} />
      <AppSettings key={app.id} app={app} />
      <DeleteAppPanel app={app} />
    </main>
  );
}
