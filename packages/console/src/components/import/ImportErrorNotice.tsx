import type { ReactNode } from 'react';
import { ApiError } from '../../api/client.js';
import { ErrorNotice } from '../ErrorNotice.js';

/** What to do next, for the ways an import is refused. */
const NEXT_STEPS: Record<string, ReactNode> = {
  invalid_archive: (
    <>
      Paddock refuses an archive with absolute paths, “..”, links that point outside it, devices, or
      one that unpacks far larger than it is. Make it from inside the project folder, e.g.{' '}
      <code>git archive -o project.zip HEAD</code> or{' '}
      <code>tar czf project.tar.gz -C my-project .</code>
    </>
  ),
  payload_too_large:
    'The archive is larger than this instance accepts: leave out node_modules, build output and ' +
    'other folders that can be made again.',
  unsupported_media_type: 'Upload a .tar, .tar.gz or .zip file.',
  git_failed:
    'Check the URL and the branch or tag. A private repository needs an access token, and its ' +
    'host must be one this instance lets sandboxes reach.',
  manifest_invalid:
    "The project's own sandbox.yaml has errors: fix them in the project and import it again.",
};

/** An import's failure, in the API's words, with what to try next. */
export function ImportErrorNotice({ error }: { error: unknown }) {
  const code = error instanceof ApiError ? error.code : null;
  const next = code ? NEXT_STEPS[code] : undefined;
  return (
    <div className="import-error" data-testid="import-error" data-code={code ?? undefined}>
      <ErrorNotice error={error} title="Could not import the project" />
      {next && <p className="muted small">{next}</p>}
    </div>
  );
}
