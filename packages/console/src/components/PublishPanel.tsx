import type { App } from '@paddock/shared';
import { usePublish } from '../api/userspaceApps.js';
import { paths } from '../router/routes.js';
import { ErrorNotice } from './ErrorNotice.js';
import { Link } from './Link.js';

const OUTCOMES = {
  installed: 'Published: installed on the desktop',
  updated: 'Published: the desktop app is updated',
  pending_consent: 'Published: it waits for your consent on the desktop',
  rolled_back: 'Published, but the update failed its health check and rolled back',
} as const;

/** Build, package, sign and install this app as a userspace app on the desktop. */
export function PublishPanel({ app }: { app: App }) {
  const publish = usePublish(app.id);
  const result = publish.data;
  return (
    <section className="panel" aria-labelledby="publish-title">
      <div className="panel-header">
        <h2 id="publish-title">Publish</h2>
        <button
          type="button"
          data-testid="publish-app"
          disabled={publish.isPending}
          onClick={() => publish.mutate()}
        >
          {publish.isPending ? 'Publishing…' : 'Publish to desktop'}
        </button>
      </div>
      <p className="muted small">
        Builds the app, snapshots it, packages and signs it, and installs it on your desktop.
      </p>
      {publish.isError && (
        <ErrorNotice error={publish.error} title="Could not publish" testId="publish-error" />
      )}
      {result && (
        <p data-testid="publish-result" data-outcome={result.outcome}>
          {OUTCOMES[result.outcome]} ({result.app.name} {result.app.version_label}).{' '}
          <Link to={paths.userspaceApp(result.app.id)}>Open its page</Link>
        </p>
      )}
    </section>
  );
}
