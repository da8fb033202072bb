import { useState, type FormEvent } from 'react';
import { useDeleteApp } from '../api/apps.js';
import type { App } from '@paddock/shared';
import { navigate } from '../router/navigation.js';
import { paths } from '../router/routes.js';
import { ErrorNotice } from './ErrorNotice.js';

/**
 * Deleting an app keeps its workspace unless the user ticks the box that deletes it too:
 * losing the app's files is never the default and never one click away.
 */
export function DeleteAppPanel({ app }: { app: App }) {
  const remove = useDeleteApp(app.id);
  const [open, setOpen] = useState(false);
  const [purge, setPurge] = useState(false);

  function handleSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    remove.mutate({ purge }, { onSuccess: () => navigate(paths.apps, { replace: true }) });
  }

  return (
    <section className="panel panel-danger" aria-labelledby="delete-title">
      <div className="panel-header">
        <h2 id="delete-title">Delete app</h2>
        {!open && (
          <button
            type="button"
            className="button-danger"
            data-testid="delete-app"
            onClick={() => setOpen(true)}
          >
            Delete app…
          </button>
        )}
      </div>
      {open && (
        <form className="stack" onSubmit={handleSubmit}>
          <p>
            Delete <strong>{app.name}</strong> and stop its sandbox. Its workspace (the app&apos;s
            files) is kept unless you also choose to delete it.
          </p>
          <label className="checkbox">
            <input
              type="checkbox"
              data-testid="delete-purge"
              checked={purge}
              onChange={(event) => setPurge(event.target.checked)}
            />
            Also delete the workspace: all of the app&apos;s files, permanently
          </label>
          {remove.isError && <ErrorNotice error={remove.error} title="Could not delete the app" />}
          <div className="actions">
            <button
              type="submit"
              className="button-danger"
              data-testid="delete-confirm"
              disabled={remove.isPending}
            >
              {remove.isPending
                ? 'Deleting…'
                : purge
                  ? 'Delete app and workspace'
                  : 'Delete app, keep workspace'}
            </button>
            <button
              type="button"
              className="button-quiet"
              disabled={remove.isPending}
              onClick={() => {
                setOpen(false);
                setPurge(false);
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
