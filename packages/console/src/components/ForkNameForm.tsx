import { useId, useState, type FormEvent } from 'react';
import type { App } from '@paddock/shared';
import { ErrorNotice } from './ErrorNotice.js';

interface ForkNameFormProps {
  /** The name the field starts with. */
  suggested: string;
  /** What the new app starts from, in words ("checkpoint 1a2b3c4d5e6f"). */
  from: string;
  pending: boolean;
  error: unknown;
  onFork: (name: string) => void;
  onCancel: () => void;
}

const NAME_MAX = 64;

/** Asks the new app's name, then forks; the caller navigates to the new app. */
export function ForkNameForm({
  suggested,
  from,
  pending,
  error,
  onFork,
  onCancel,
}: ForkNameFormProps) {
  const [name, setName] = useState(suggested.slice(0, NAME_MAX));
  const fieldId = useId();
  const trimmed = name.trim();

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    if (trimmed && !pending) onFork(trimmed);
  }

  return (
    <form className="stack" onSubmit={submit}>
      <p>
        A new app of the same preset starts with the files of {from}. It gets none of this
        app&apos;s config or secrets.
      </p>
      <label htmlFor={fieldId}>New app&apos;s name</label>
      <input
        id={fieldId}
        value={name}
        maxLength={NAME_MAX}
        required
        autoFocus
        data-testid="fork-name"
        onChange={(event) => setName(event.target.value)}
      />
      {pending && (
        <p className="history-progress" role="status">
          <span className="spinner" aria-hidden="true" /> Creating the app and copying the files…
        </p>
      )}
      {error !== null && error !== undefined && (
        <ErrorNotice error={error} title="Could not fork" testId="fork-error" />
      )}
      <div className="actions">
        <button type="submit" data-testid="fork-confirm" disabled={!trimmed || pending}>
          {pending ? 'Forking…' : 'Fork to new app'}
        </button>
        <button type="button" className="button-quiet" disabled={pending} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The name a fork of this app is offered. */
export function forkName(app: Pick<App, 'name'>): string {
  return `${app.name} (fork)`.slice(0, NAME_MAX);
}
