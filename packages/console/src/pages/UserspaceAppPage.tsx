import { useEffect, useState } from 'react';
import { ApiError } from '../api/client.js';
import { useUserspaceApp } from '../api/userspaceApps.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { Link } from '../components/Link.js';
import { AppLifecyclePanel } from '../desktop/AppLifecyclePanel.js';
import { PendingConsentDialog } from '../desktop/PendingConsentDialog.js';
import { PermissionsPanel } from '../desktop/PermissionsPanel.js';
import { ProvenanceBadge } from '../desktop/ProvenanceBadge.js';
import { UsagePanel } from '../desktop/UsagePanel.js';
import { fullTime, timeAgo } from '../lib/time.js';
import { paths } from '../router/routes.js';

/** One installed app: provenance, permissions, data, lifecycle. */
export function UserspaceAppPage({ id }: { id: string }) {
  const query = useUserspaceApp(id);
  const app = query.data;
  const [reviewing, setReviewing] = useState(false);

  const name = app?.name;
  useEffect(() => {
    document.title = name ? `${name} · Desktop · Paddock` : 'Paddock';
    return () => {
      document.title = 'Paddock';
    };
  }, [name]);

  const back = (
    <p>
      <Link to={paths.desktop}>← Desktop</Link>
    </p>
  );
  if (!app) {
    const gone = query.error instanceof ApiError && query.error.status === 404;
    return (
      <main className="page">
        {back}
        {query.isPending && <p className="muted">Loading…</p>}
        {gone && <p data-testid="userspace-app-gone">There is no installed app with this id.</p>}
        {query.isError && !gone && <ErrorNotice error={query.error} />}
      </main>
    );
  }

  return (
    <main className="page" data-testid="userspace-app-page" data-app-id={app.id}>
      {back}
      <div className="page-header">
        <h1>{app.name}</h1>
        <ProvenanceBadge tier={app.provenance} granted={app.granted} />
      </div>
      <p className="muted">
        {app.version_label} · {app.app_type} ·{' '}
        <span data-testid="userspace-app-status">{app.status}</span> · installed{' '}
        <span title={fullTime(app.installed_at)}>{timeAgo(app.installed_at)}</span>
        {app.source.kind === 'publish' && app.source.build_app_id && (
          <>
            {' '}
            · published from <Link to={paths.app(app.source.build_app_id)}>its build app</Link>
          </>
        )}
      </p>
      {app.description && <p>{app.description}</p>}
      {app.last_update?.outcome === 'rolled_back' && (
        <div className="notice notice-warn">
          The last update rolled back{app.last_update.reason ? `: ${app.last_update.reason}` : ''}
        </div>
      )}
      {app.pending && (
        <div className="notice notice-warn" data-testid="pending-update">
          Version {app.pending.version_label} waits for your consent: it asks for{' '}
          {app.pending.added.join(', ') || 'nothing new'}.{' '}
          <button
            type="button"
            className="link-button"
            data-testid="pending-review"
            onClick={() => setReviewing(true)}
          >
            Review
          </button>
        </div>
      )}
      {reviewing && <PendingConsentDialog app={app} onClose={() => setReviewing(false)} />}
      <PermissionsPanel app={app} />
      <UsagePanel appId={app.id} />
      <AppLifecyclePanel app={app} />
    </main>
  );
}
