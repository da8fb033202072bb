import { useState } from 'react';
import type { PurgePlan, UserspaceApp } from '@paddock/shared';
import { ApiError } from '../api/client.js';
import { useAppAction, usePurge, useRollback, useTrash } from '../api/userspaceApps.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { formatBytes } from '../lib/capabilities.js';
import { navigate } from '../router/navigation.js';
import { paths } from '../router/routes.js';

/** The plan a purge without confirm answers with (confirmation_required's details). */
function planOf(error: unknown): PurgePlan | null {
  if (!(error instanceof ApiError) || error.code !== 'confirmation_required') return null;
  const plan = error.details as Partial<PurgePlan> | undefined;
  return typeof plan?.bytes === 'number' && Array.isArray(plan.paths) ? (plan as PurgePlan) : null;
}

/** Enable or disable, roll back, uninstall to the trash or restore, and purge for good. */
export function AppLifecyclePanel({ app }: { app: UserspaceApp }) {
  const action = useAppAction(app.id);
  const rollback = useRollback(app.id);
  const trash = useTrash(app.id);
  const purge = usePurge(app.id);
  const [restoreData, setRestoreData] = useState(false);
  const [plan, setPlan] = useState<PurgePlan | null>(null);
  const trashed = app.status === 'trashed';

  function askPurge(): void {
    purge.mutate(false, {
      onError: (error) => setPlan(planOf(error)),
    });
  }

  return (
    <section className="panel panel-danger" aria-labelledby="lifecycle-title">
      <h2 id="lifecycle-title">Run, roll back, uninstall</h2>
      {[action, rollback, trash].map(
        (m, i) => m.isError && <ErrorNotice key={i} error={m.error} title="That did not work" />,
      )}
      {purge.isError && !planOf(purge.error) && (
        <ErrorNotice error={purge.error} title="Could not purge" />
      )}
      {!trashed && (
        <div className="actions">
          {app.status === 'disabled' ? (
            <button type="button" data-testid="app-enable" onClick={() => action.mutate('enable')}>
              Enable
            </button>
          ) : (
            <button
              type="button"
              className="button-quiet"
              data-testid="app-disable"
              onClick={() => action.mutate('disable')}
            >
              Disable
            </button>
          )}
          {app.previous_version !== null && (
            <>
              <button
                type="button"
                className="button-quiet"
                data-testid="app-rollback"
                disabled={rollback.isPending}
                onClick={() => rollback.mutate(restoreData)}
              >
                Roll back to version {app.previous_version}
              </button>
              <label className="checkbox">
                <input
                  type="checkbox"
                  checked={restoreData}
                  onChange={(event) => setRestoreData(event.target.checked)}
                />
                and restore its data from before the update
              </label>
            </>
          )}
          <button
            type="button"
            className="button-danger"
            data-testid="app-uninstall"
            disabled={trash.isPending}
            onClick={() => trash.mutate(undefined, { onSuccess: () => navigate(paths.desktop) })}
          >
            Uninstall (to the trash)
          </button>
        </div>
      )}
      {trashed && (
        <div className="actions">
          <button
            type="button"
            data-testid="app-restore"
            disabled={action.isPending}
            onClick={() => action.mutate('restore')}
          >
            Restore
          </button>
          {!plan && (
            <button
              type="button"
              className="button-danger"
              data-testid="app-purge"
              disabled={purge.isPending}
              onClick={askPurge}
            >
              Purge…
            </button>
          )}
        </div>
      )}
      {trashed && plan && (
        <div className="stack" data-testid="purge-confirmation">
          <p>
            Purging removes <strong>{app.name}</strong>, its versions and its data for good:{' '}
            {formatBytes(plan.bytes)} in {plan.paths.length} places. This cannot be undone.
          </p>
          <div className="actions">
            <button
              type="button"
              className="button-danger"
              data-testid="app-purge-confirm"
              disabled={purge.isPending}
              onClick={() => purge.mutate(true, { onSuccess: () => navigate(paths.desktop) })}
            >
              Purge for good
            </button>
            <button type="button" className="button-quiet" onClick={() => setPlan(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
