import { useId, useState, type FormEvent } from 'react';
import type { App, GitPullBody } from '@paddock/shared';
import { useGitPull } from '../../api/projectExport.js';
import { useElapsedSeconds } from '../../hooks/useElapsedSeconds.js';
import { paths } from '../../router/routes.js';
import { Link } from '../Link.js';
import { GitErrorNotice } from './GitErrorNotice.js';
import { GitRemoteFields } from './GitRemoteFields.js';
import { defaultBranch, importedGitUrl, shortCommit } from './gitRemote.js';

interface GitPullFormProps {
  app: App;
  url: string;
  onUrlChange: (url: string) => void;
}

/** Brings a remote branch's changes in as a checkpoint (a fast-forward or a merge). */
export function GitPullForm({ app, url, onUrlChange }: GitPullFormProps) {
  const pull = useGitPull(app.id);
  const [branch, setBranch] = useState(() => defaultBranch(app));
  const elapsed = useElapsedSeconds(pull.isPending);
  const id = useId();
  const fallback = importedGitUrl(app);
  const trimmedUrl = url.trim();
  const result = pull.data;

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    const body: GitPullBody = { ...(trimmedUrl ? { url: trimmedUrl } : {}), branch: branch.trim() };
    pull.mutate(body);
  }

  return (
    <form
      className="export-part"
      aria-labelledby={`${id}-title`}
      aria-busy={pull.isPending}
      data-testid="git-pull"
      onSubmit={submit}
    >
      <h3 id={`${id}-title`}>Pull from git</h3>
      <p className="muted small">
        The remote branch&apos;s changes come in as a checkpoint, which you can restore to before
        like any other. It waits while a task runs.
      </p>
      <GitRemoteFields
        id={id}
        way="pull"
        url={url}
        onUrlChange={onUrlChange}
        branch={branch}
        onBranchChange={setBranch}
        fallback={fallback}
        disabled={pull.isPending}
      />
      <div className="actions">
        <button
          type="submit"
          data-testid="git-pull-submit"
          disabled={pull.isPending || !branch.trim() || (!trimmedUrl && fallback === null)}
        >
          {pull.isPending ? `Pulling… ${elapsed}s` : 'Pull'}
        </button>
      </div>
      {pull.isError && <GitErrorNotice error={pull.error} action="pull" testId="git-pull-error" />}
      {result && !pull.isPending && (
        <p
          className="notice export-result"
          role="status"
          data-testid="git-pull-result"
          data-changed={String(result.changed)}
          data-checkpoint={result.checkpoint}
        >
          {result.changed ? (
            <>
              Pulled: the remote&apos;s changes are checkpoint{' '}
              <code title={result.checkpoint}>{shortCommit(result.checkpoint)}</code> (it was{' '}
              <code title={result.previous}>{shortCommit(result.previous)}</code>).{' '}
              <Link to={paths.app(app.id, 'checkpoints')}>See the checkpoints</Link>
            </>
          ) : (
            <>
              Already up to date: the remote had nothing new; the app is still at{' '}
              <code title={result.checkpoint}>{shortCommit(result.checkpoint)}</code>.
            </>
          )}
        </p>
      )}
    </form>
  );
}
