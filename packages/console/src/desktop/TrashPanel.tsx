import type { UserspaceApp } from '@paddock/shared';
import { useAppAction, useUserspaceApps } from '../api/userspaceApps.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { Link } from '../components/Link.js';
import { fullTime, timeAgo } from '../lib/time.js';
import { paths } from '../router/routes.js';

function TrashedApp({ app }: { app: UserspaceApp }) {
  const action = useAppAction(app.id);
  return (
    <li data-testid="trash-app" data-app-id={app.id}>
      <Link to={paths.userspaceApp(app.id)}>{app.name}</Link>{' '}
      <span className="muted small">
        {app.version_label}
        {app.purge_after && (
          <>
            {' '}
            · purged <span title={fullTime(app.purge_after)}>{timeAgo(app.purge_after)}</span>{' '}
            unless restored
          </>
        )}
      </span>{' '}
      <button
        type="button"
        className="button-quiet"
        data-testid="trash-restore"
        disabled={action.isPending}
        onClick={() => action.mutate('restore')}
      >
        Restore
      </button>
      {action.isError && <ErrorNotice error={action.error} title="Could not restore" />}
    </li>
  );
}

/** Uninstalled apps, kept with their data until they are purged. */
export function TrashPanel() {
  const trash = useUserspaceApps(true);
  const items = trash.data?.items ?? [];
  return (
    <section className="panel" aria-labelledby="trash-title" data-testid="trash-panel">
      <h2 id="trash-title">Trash</h2>
      {trash.isError && <ErrorNotice error={trash.error} title="Could not load the trash" />}
      {trash.data && items.length === 0 && <p className="muted">The trash is empty.</p>}
      {items.length > 0 && (
        <ul className="plain-list">
          {items.map((app) => (
            <TrashedApp key={app.id} app={app} />
          ))}
        </ul>
      )}
    </section>
  );
}
