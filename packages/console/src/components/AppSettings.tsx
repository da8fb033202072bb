import { useState, type FormEvent } from 'react';
import { useUpdateApp } from '../api/apps.js';
import type { App } from '@paddock/shared';
import { ErrorNotice } from './ErrorNotice.js';

/** Renaming an app and its public flag (PATCH /v1/apps/{id}). */
export function AppSettings({ app }: { app: App }) {
  const update = useUpdateApp(app.id);
  const [name, setName] = useState(app.name);
  const trimmed = name.trim();

  function handleRename(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    if (trimmed && trimmed !== app.name) update.mutate({ name: trimmed });
  }

  return (
    <section className="panel" aria-labelledby="settings-title">
      <div className="panel-header">
        <h2 id="settings-title">Settings</h2>
      </div>
      <form className="inline-form" onSubmit={handleRename}>
        <label htmlFor="app-name">Name</label>
        <input
          id="app-name"
          value={name}
          maxLength={64}
          required
          onChange={(event) => setName(event.target.value)}
        />
        <button type="submit" disabled={update.isPending || !trimmed || trimmed === app.name}>
          Rename
        </button>
      </form>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={app.public}
          disabled={update.isPending}
          onChange={(event) => update.mutate({ public: event.target.checked })}
        />
        Public
      </label>
      {update.isError && <ErrorNotice error={update.error} title="Could not save" />}
    </section>
  );
}
