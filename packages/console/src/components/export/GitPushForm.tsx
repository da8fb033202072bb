import { useId, useState, type FormEvent } from 'react';
import type { App, GitPushBody } from '@paddock/shared';
import { useGitPush } from '../../api/projectExport.js';
import { useElapsedSeconds } from '../../hooks/useElapsedSeconds.js';
import { CopyButton } from '../CopyButton.js';
import { GitErrorNotice } from './GitErrorNotice.js';
import { defaultBranch, importedGitUrl, shortCommit } from './gitRemote.js';

interface GitPushFormProps {
  app: App;
  url: string;
  onUrlChange: (url: string) => void;
}

/** Pushes the app's history (each checkpoint a commit) to a remote branch. */
export function GitPushForm({ app, url, onUrlChange }: GitPushFormProps) {
  const push = useGitPush(app.id);
  const [branch, setBranch] = useState(() => defaultBranch(app));
  const [force, setForce] = useState(false);
  const elapsed = useElapsedSeconds(push.isPending);
  const id = useId();
  const fallback = importedGitUrl(app);
  const trimmedUrl = url.trim();
  const result = push.data;

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    const body: GitPushBody = {
      ...(trimmedUrl ? { url: trimmedUrl } : {}),
      branch: branch.trim(),
      ...(force ? { force: true } : {}),
    };
    // Force is for one push: the next one should not overwrite by surprise.
    push.mutate(body, { onSuccess: () => setForce(false) });
  }

  return (
    <form
      className="export-part"
      aria-labelledby={`${id}-title`}
      aria-busy={push.isPending}
      data-testid="git-push"
      onSubmit={submit}
    >
      <h3 id={`${id}-title`}>Push to git</h3>
      <p className="muted small">
        Every checkpoint goes as a commit with its message, so the remote gets the app&apos;s
        history, not one squashed copy.
      </p>
      <div className="export-row">
        <div className="export-field export-field-wide">
          <label htmlFor={`${id}-url`}>Remote URL</label>
          <input
            id={`${id}-url`}
            type="url"
            inputMode="url"
            data-testid="git-push-url"
            value={url}
            placeholder={fallback ?? 'https://github.com/you/your-project.git'}
            required={fallback === null}
            autoComplete="off"
            spellCheck={false}
            disabled={push.isPending}
            onChange={(event) => onUrlChange(event.target.value)}
          />
        </div>
        <div className="export-field">
          <label htmlFor={`${id}-branch`}>Branch</label>
          <input
            id={`${id}-branch`}
            data-testid="git-push-branch"
            value={branch}
            required
            maxLength={255}
            autoComplete="off"
            spellCheck={false}
            disabled={push.isPending}
            onChange={(event) => setBranch(event.target.value)}
          />
        </div>
      </div>
      <label className="checkbox">
        <input
          type="checkbox"
          data-testid="git-push-force"
          checked={force}
          disabled={push.isPending}
          onChange={(event) => setForce(event.target.checked)}
        />
        Overwrite the remote branch (force): its commits that the app does not have are lost
      </label>
      <div className="actions">
        <button
          type="submit"
          data-testid="git-push-submit"
          disabled={push.isPending || !branch.trim() || (!trimmedUrl && fallback === null)}
        >
          {push.isPending ? `Pushing… ${elapsed}s` : force ? 'Force push' : 'Push'}
        </button>
      </div>
      {push.isError && <GitErrorNotice error={push.error} action="push" testId="git-push-error" />}
      {result && !push.isPending && (
        <p
          className="notice export-result"
          role="status"
          data-testid="git-push-result"
          data-commit={result.commit}
        >
          Pushed: <code>{result.branch}</code> at <code>{result.url}</code> is now commit{' '}
          <code title={result.commit}>{shortCommit(result.commit)}</code>.{' '}
          <CopyButton text={result.commit} label="Copy the commit" />
        </p>
      )}
    </form>
  );
}
