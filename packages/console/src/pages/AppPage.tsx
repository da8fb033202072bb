import { useEffect } from 'react';
import type { App } from '@paddock/shared';
import { useApp } from '../api/apps.js';
import { ApiError } from '../api/client.js';
import { AppStatusLine } from '../components/AppStatusLine.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { ImportReviewPanel } from '../components/import/ImportReviewPanel.js';
import { Link } from '../components/Link.js';
import { WakeButton } from '../components/WakeButton.js';
import { appKindLabel } from '../lib/appKind.js';
import { fullTime, timeAgo } from '../lib/time.js';
import { APP_TABS, paths, type AppTab } from '../router/routes.js';
import { ActivityTab } from './app/ActivityTab.js';
import { APP_TAB_LABELS } from './app/appTab.js';
import { BuildTab } from './app/BuildTab.js';
import { CheckpointsTab } from './app/CheckpointsTab.js';
import { ConfigTab } from './app/ConfigTab.js';
import { EgressTab } from './app/EgressTab.js';
import { FilesTab } from './app/FilesTab.js';
import { SettingsTab } from './app/SettingsTab.js';
import { SnapshotsTab } from './app/SnapshotsTab.js';
import { TerminalTab } from './app/TerminalTab.js';

function TabView({ tab, app }: { tab: AppTab; app: App }) {
  switch (tab) {
    case 'build':
      return <BuildTab app={app} />;
    case 'files':
      return <FilesTab app={app} />;
    case 'terminal':
      return <TerminalTab app={app} />;
    case 'checkpoints':
      return <CheckpointsTab app={app} />;
    case 'snapshots':
      return <SnapshotsTab app={app} />;
    case 'config':
      return <ConfigTab app={app} />;
    case 'egress':
      return <EgressTab app={app} />;
    case 'activity':
      return <ActivityTab app={app} />;
    case 'settings':
      return <SettingsTab app={app} />;
  }
}

/** The app's sections as links (each has its own address), the current one marked. */
function AppTabs({ appId, current }: { appId: string; current: AppTab }) {
  return (
    <nav className="app-tabs" aria-label="App sections">
      {APP_TABS.map((tab) => (
        <Link
          key={tab}
          to={paths.app(appId, tab)}
          aria-current={tab === current ? 'page' : undefined}
          data-testid={`app-tab-${tab}`}
        >
          {APP_TAB_LABELS[tab]}
        </Link>
      ))}
    </nav>
  );
}

export function AppPage({ id, tab }: { id: string; tab: AppTab }) {
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
          {appKindLabel(app)}
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
      <ImportReviewPanel app={app} />
      <AppTabs appId={app.id} current={tab} />
      <div className="app-tab" data-tab={tab}>
        <TabView tab={tab} app={app} />
      </div>
    </main>
  );
}
