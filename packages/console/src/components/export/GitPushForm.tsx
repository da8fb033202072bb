import { useId, useState, type FormEvent } from 'react';
import type { App, GitPushBody } from '@paddock/shared';
import { useGitPush } from '../../api/projectExport.js';
import { useElapsedSeconds } from '../../hooks/useElapsedSeconds.js';
import { CopyButton } from '../CopyButton.js';
import { GitErrorNotice } from './GitErrorNotice.js';
import { GitRemoteFields } from './GitRemoteFields.js';
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
      <GitRemoteFields
        id={id}
        way="push"
        url={url}
        onUrlChange={onUrlChange}
        branch={branch}
        onBranchChange={setBranch}
        fallback={fallback}
        disabled={push.isPending}
      />
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
