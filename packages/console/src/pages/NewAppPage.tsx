import { useState, type FormEvent } from 'react';
import { useCreateApp } from '../api/apps.js';
import { usePresets } from '../api/presets.js';
import { PRESET_CACHE_WORDS } from '../lib/presetCache.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { Link } from '../components/Link.js';
import { useElapsedSeconds } from '../hooks/useElapsedSeconds.js';
import { navigate } from '../router/navigation.js';
import { paths } from '../router/routes.js';

const NAME_MAX = 64;

export function NewAppPage() {
  const presets = usePresets({ fresh: true });
  const create = useCreateApp();
  const [name, setName] = useState('');
  const [chosenPreset, setChosenPreset] = useState<string | null>(null);
  const elapsed = useElapsedSeconds(create.isPending);

  const items = presets.data ?? [];
  const preset = items.find((p) => p.name === chosenPreset) ?? items[0] ?? null;
  const trimmed = name.trim();

  function handleSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    if (!preset || !trimmed) return;
    // No client timeout: the first app of a preset waits for its dependencies to install.
    create.mutate(
      { name: trimmed, preset: preset.name },
      { onSuccess: (app) => navigate(paths.app(app.id), { replace: true }) },
    );
  }

  return (
    <main className="page page-narrow">
      <p>
        <Link to={paths.apps}>← Apps</Link>
      </p>
      <h1>New app</h1>
      <p className="muted" data-testid="new-app-import-hint">
        Start from a preset below, or{' '}
        <Link to={paths.importApp}>import a project you already have</Link> from git or an archive.
      </p>
      {presets.isError && <ErrorNotice error={presets.error} title="Could not load the presets" />}
      <form className="panel stack" onSubmit={handleSubmit} aria-busy={create.isPending}>
        <label htmlFor="new-app-name">Name</label>
        <input
          id="new-app-name"
          data-testid="new-app-name"
          value={name}
          maxLength={NAME_MAX}
          required
          autoFocus
          disabled={create.isPending}
          onChange={(event) => setName(event.target.value)}
        />
        <label htmlFor="new-app-preset">Preset</label>
        <select
          id="new-app-preset"
          data-testid="new-app-preset"
          value={preset?.name ?? ''}
          required
          disabled={create.isPending || items.length === 0}
          onChange={(event) => setChosenPreset(event.target.value)}
          aria-describedby="new-app-preset-description"
        >
          {presets.isPending && <option value="">Loading presets…</option>}
          {items.map((p) => (
            <option key={p.name} value={p.name}>
              {p.title}
            </option>
          ))}
        </select>
        <p id="new-app-preset-description" className="muted small">
          {preset &&
            `${preset.description} ${preset.web ? 'Has a live preview.' : 'Worker only: no preview.'} Dependencies: ${PRESET_CACHE_WORDS[preset.dependencies]}.`}
        </p>
        {create.isError && <ErrorNotice error={create.error} title="Could not create the app" />}
        <button
          type="submit"
          data-testid="new-app-submit"
          disabled={create.isPending || !preset || !trimmed}
        >
          {create.isPending ? `Creating… ${elapsed}s` : 'Create app'}
        </button>
        {create.isPending && (
          <p className="muted small" role="status">
            {preset?.dependencies === 'not_installed'
              ? "Creating the app and booting its sandbox. This is the preset's first app: it installs the preset's dependencies into the shared cache, which can take a minute."
              : 'Creating the app and booting its sandbox.'}
          </p>
        )}
      </form>
    </main>
  );
}
