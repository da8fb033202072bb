import { useId, useRef, useState, type FormEvent } from 'react';
import type { GitSource } from '@paddock/shared';
import { useImportFromGit } from '../../api/projectImport.js';
import { useElapsedSeconds } from '../../hooks/useElapsedSeconds.js';
import { navigate } from '../../router/navigation.js';
import { paths } from '../../router/routes.js';
import { ImportErrorNotice } from './ImportErrorNotice.js';
import { nameFromGitUrl } from './importNames.js';
import { ImportNameField } from './ImportNameField.js';

/** Why a URL cannot be sent as it is, in words; null when it can. */
function urlProblem(url: string): string | null {
  if (url === '') return null;
  if (!/^https:\/\//i.test(url)) return 'Use the https:// address of the repository.';
  if (/^https:\/\/[^/]*@/i.test(url)) {
    return 'Leave credentials out of the URL: put the token in the access token field.';
  }
  return null;
}

/**
 * Imports a git repository: cloned inside a new sandbox through the egress proxy, then held
 * for review. The token box is not a controlled input (its value never becomes markup) and is
 * cleared once sent.
 */
export function GitImportForm() {
  const importGit = useImportFromGit();
  const [url, setUrl] = useState('');
  const [ref, setRef] = useState('');
  const [name, setName] = useState('');
  const [hasToken, setHasToken] = useState(false);
  const [username, setUsername] = useState('');
  const tokenRef = useRef<HTMLInputElement>(null);
  const elapsed = useElapsedSeconds(importGit.isPending);
  const id = useId();

  const trimmedUrl = url.trim();
  const problem = urlProblem(trimmedUrl);
  const suggestion = nameFromGitUrl(trimmedUrl);
  const busy = importGit.isPending;

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    if (!trimmedUrl || problem || busy) return;
    const token = tokenRef.current?.value ?? '';
    const git: GitSource = {
      url: trimmedUrl,
      ...(ref.trim() ? { ref: ref.trim() } : {}),
      ...(token ? { token } : {}),
      ...(token && username.trim() ? { username: username.trim() } : {}),
    };
    importGit.mutate(
      { name: name.trim() || suggestion || 'imported', git },
      { onSuccess: (app) => navigate(paths.app(app.id), { replace: true }) },
    );
    // Sent: the token is the daemon's to keep sealed, not the page's.
    if (tokenRef.current) tokenRef.current.value = '';
    setHasToken(false);
  }

  return (
    <form
      className="import-form"
      aria-label="Import from a git repository"
      data-testid="import-git-form"
      aria-busy={busy}
      onSubmit={submit}
    >
      <div className="import-field">
        <label htmlFor={`${id}-url`}>Repository URL</label>
        <input
          id={`${id}-url`}
          data-testid="import-git-url"
          type="url"
          inputMode="url"
          value={url}
          required
          placeholder="https://github.com/you/your-project.git"
          autoComplete="off"
          spellCheck={false}
          disabled={busy}
          aria-invalid={problem !== null}
          aria-describedby={`${id}-url-hint`}
          onChange={(event) => setUrl(event.target.value)}
        />
        <span id={`${id}-url-hint`} className={problem ? 'import-problem small' : 'muted small'}>
          {problem ??
            'An https address. The host is added to the app’s egress rules so the sandbox can reach it.'}
        </span>
      </div>
      <div className="import-field">
        <label htmlFor={`${id}-ref`}>Branch, tag or commit (optional)</label>
        <input
          id={`${id}-ref`}
          data-testid="import-git-ref"
          value={ref}
          placeholder="the default branch"
          autoComplete="off"
          spellCheck={false}
          maxLength={255}
          disabled={busy}
          onChange={(event) => setRef(event.target.value)}
        />
      </div>
      <div className="import-field">
        <label htmlFor={`${id}-token`}>Access token (optional, write-only)</label>
        <input
          id={`${id}-token`}
          ref={tokenRef}
          data-testid="import-git-token"
          type="password"
          autoComplete="new-password"
          spellCheck={false}
          maxLength={4096}
          disabled={busy}
          aria-describedby={`${id}-token-hint`}
          onChange={(event) => setHasToken(event.target.value !== '')}
        />
        <span id={`${id}-token-hint`} className="muted small">
          For a private repository. Kept sealed as the app’s <code>GIT_TOKEN</code> secret: the
          egress proxy adds it to requests to the repository’s host. It is never shown again, and
          never written into the project or its <code>.git/config</code>.
        </span>
      </div>
      {hasToken && (
        <div className="import-field">
          <label htmlFor={`${id}-user`}>User for the token (optional)</label>
          <input
            id={`${id}-user`}
            data-testid="import-git-username"
            value={username}
            placeholder="x-access-token"
            autoComplete="off"
            spellCheck={false}
            maxLength={64}
            disabled={busy}
            onChange={(event) => setUsername(event.target.value)}
          />
        </div>
      )}
      <ImportNameField
        id={`${id}-name`}
        value={name}
        suggestion={suggestion}
        disabled={busy}
        onChange={setName}
      />
      <div className="actions">
        <button
          type="submit"
          data-testid="import-git-submit"
          disabled={busy || !trimmedUrl || problem !== null}
        >
          {busy ? `Importing… ${elapsed}s` : 'Import'}
        </button>
      </div>
      {busy && (
        <div className="import-progress">
          <progress aria-label="Importing the repository" />
          <p className="muted small" role="status">
            Booting a sandbox, cloning the repository into it and looking at how the project runs. A
            large repository takes a while.
          </p>
        </div>
      )}
      {importGit.isError && <ImportErrorNotice error={importGit.error} />}
    </form>
  );
}
