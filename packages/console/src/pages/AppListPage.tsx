import { useApps } from '../api/apps.js';
import { AppStatusLine } from '../components/AppStatusLine.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { Link } from '../components/Link.js';
import { appKindLabel } from '../lib/appKind.js';
import { summarizeApp } from '../lib/appStatus.js';
import { fullTime, timeAgo } from '../lib/time.js';
import { paths } from '../router/routes.js';

export function AppListPage() {
  const apps = useApps();
  const items = apps.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <main className="page">
      <div className="page-header">
        <h1>Apps</h1>
        <div className="actions">
          <Link to={paths.importApp} className="button button-quiet" data-testid="import-app-link">
            Import a project
          </Link>
          <Link to={paths.newApp} className="button">
            New app
          </Link>
        </div>
      </div>
      {apps.isError && (
        <ErrorNotice
          error={apps.error}
          title={
            apps.data
              ? 'Could not refresh; showing the last known state'
              : 'Could not load the apps'
          }
        />
      )}
      {apps.isPending && <p className="muted">Loading…</p>}
      {apps.data && (
        <div data-testid="app-list">
          {items.length === 0 ? (
            <p className="empty">
              No apps yet. <Link to={paths.newApp}>Create the first one</Link> from a preset, or{' '}
              <Link to={paths.importApp}>import a project</Link> you already have (from git or an
              archive).
            </p>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Preset</th>
                  <th scope="col">Status</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {items.map((app) => {
                  const summary = summarizeApp(app);
                  return (
                    <tr
                      key={app.id}
                      data-testid="app-row"
                      data-app-id={app.id}
                      data-status={summary.status}
                      data-preview-status={summary.preview ?? undefined}
                    >
                      <th scope="row">
                        <Link to={paths.app(app.id)}>{app.name}</Link>
                      </th>
                      <td>{appKindLabel(app)}</td>
                      <td>
                        <AppStatusLine app={app} />
                      </td>
                      <td title={fullTime(app.updated_at)}>{timeAgo(app.updated_at)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          {apps.hasNextPage && (
            <button
              type="button"
              className="button-quiet"
              disabled={apps.isFetchingNextPage}
              onClick={() => void apps.fetchNextPage()}
            >
              {apps.isFetchingNextPage ? 'Loading…' : 'Load more'}
            </button>
          )}
        </div>
      )}
    </main>
  );
}
