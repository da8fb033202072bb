import type { ReactNode } from 'react';
import { ApiError } from '../../api/client.js';
import { ErrorNotice } from '../ErrorNotice.js';

interface GitErrorNoticeProps {
  error: unknown;
  action: 'push' | 'pull';
  testId: string;
}

const CONFLICT: Record<GitErrorNoticeProps['action'], ReactNode> = {
  push: (
    <>
      The remote branch has commits this app does not have, so the push was refused and nothing
      changed. Pull them in first (below), push to a new branch, or push again with{' '}
      <em>Overwrite the remote branch</em> ticked to replace the remote&apos;s commits with the
      app&apos;s.
    </>
  ),
  pull: (
    <>
      The remote&apos;s changes and the app&apos;s touch the same lines, so nothing was changed.
      Push the app&apos;s version to a new branch and merge the two on the remote (a pull request),
      then pull the merged branch; or make the app&apos;s files agree with the remote (Files or a
      task) and pull again.
    </>
  ),
};

const FAILED: ReactNode = (
  <>
    git&apos;s last words are above. Check the URL and the branch, that the remote&apos;s host is
    allowed in Egress, and for a private remote that a secret is injected for its host.
  </>
);

/** A push or pull that failed, with what to do about it. */
export function GitErrorNotice({ error, action, testId }: GitErrorNoticeProps) {
  const code = error instanceof ApiError ? error.code : null;
  const next = code === 'git_conflict' ? CONFLICT[action] : code === 'git_failed' ? FAILED : null;
  return (
    <div className="export-error" data-testid={testId} data-code={code ?? undefined}>
      <ErrorNotice error={error} title={action === 'push' ? 'Could not push' : 'Could not pull'} />
      {next && <p className="small">{next}</p>}
    </div>
  );
}
