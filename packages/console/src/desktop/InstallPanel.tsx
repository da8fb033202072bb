import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { InstallResult } from '@paddock/shared';
import { installFromUrl, uploadPackage, type UploadProgress } from '../api/packageUpload.js';
import { queryKeys } from '../api/queryKeys.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { formatBytes } from '../lib/capabilities.js';
import { PendingConsentDialog } from './PendingConsentDialog.js';

const OUTCOME_WORDS: Record<InstallResult['outcome'], string> = {
  installed: 'Installed',
  updated: 'Updated',
  pending_consent: 'Waiting for your consent',
  rolled_back: 'Rolled back',
};

/** Install or update from a .paddockapp file (with upload progress) or an https URL. */
export function InstallPanel() {
  const client = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [url, setUrl] = useState('');
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [busy, setBusy] = useState<'file' | 'url' | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<InstallResult | null>(null);
  const [reviewing, setReviewing] = useState(false);

  async function run(kind: 'file' | 'url', install: () => Promise<InstallResult>): Promise<void> {
    setBusy(kind);
    setError(null);
    setResult(null);
    setProgress(null);
    try {
      const done = await install();
      setResult(done);
      setReviewing(done.outcome === 'pending_consent' && done.app.pending !== null);
      await client.invalidateQueries({ queryKey: queryKeys.userspace });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  }

  function submitFile(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    if (file) void run('file', () => uploadPackage(file, setProgress));
  }
  function submitUrl(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    if (url.trim()) void run('url', () => installFromUrl(url.trim()));
  }

  const percent =
    progress && progress.total > 0 ? Math.round((progress.sent / progress.total) * 100) : null;

  return (
    <section className="panel" aria-labelledby="install-title" data-testid="install-panel">
      <h2 id="install-title">Install an app</h2>
      <form className="inline-form" onSubmit={submitFile}>
        <input
          type="file"
          accept=".paddockapp,application/vnd.paddock.app,application/zip"
          aria-label="App package (.paddockapp)"
          data-testid="install-file"
          onChange={(event) => setFile(event.target.files?.[0] ?? null)}
        />
        <button type="submit" data-testid="install-file-submit" disabled={!file || busy !== null}>
          {busy === 'file' ? 'Installing…' : 'Install file'}
        </button>
      </form>
      <form className="inline-form" onSubmit={submitUrl}>
        <input
          type="url"
          placeholder="https://example.com/app.paddockapp"
          value={url}
          data-testid="install-url"
          onChange={(event) => setUrl(event.target.value)}
        />
        <button type="submit" data-testid="install-url-submit" disabled={!url || busy !== null}>
          {busy === 'url' ? 'Fetching…' : 'Install from URL'}
        </button>
      </form>
      {busy === 'file' && progress && (
        <div className="install-progress">
          <progress
            data-testid="install-progress"
            max={100}
            value={percent ?? undefined}
            aria-label="Upload progress"
          />
          <span className="muted small">
            {formatBytes(progress.sent)}
            {progress.total > 0 && ` of ${formatBytes(progress.total)}`}
            {progress.total > 0 && progress.sent >= progress.total && ' · checking the package…'}
          </span>
        </div>
      )}
      {busy === 'url' && (
        <p className="muted small">paddockd is fetching and checking the package…</p>
      )}
      {error !== null && (
        <ErrorNotice error={error} title="Could not install" testId="install-error" />
      )}
      {result && (
        <p data-testid="install-result" data-outcome={result.outcome}>
          {OUTCOME_WORDS[result.outcome]}: <strong>{result.app.name}</strong>{' '}
          {result.app.version_label}
          {result.outcome === 'rolled_back' && result.app.last_update?.reason
            ? ` (${result.app.last_update.reason})`
            : ''}
        </p>
      )}
      {result && reviewing && (
        <PendingConsentDialog
          app={result.app}
          onClose={(outcome) => {
            setReviewing(false);
            if (outcome === 'accepted') {
              const first = result.app.status === 'pending_consent';
              setResult({ ...result, outcome: first ? 'installed' : 'updated' });
            }
          }}
        />
      )}
    </section>
  );
}
