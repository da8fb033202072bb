import { useId, useRef, useState, type FormEvent } from 'react';
import { useImportFromArchive } from '../../api/projectImport.js';
import type { UploadProgress } from '../../api/upload.js';
import { formatBytes } from '../../lib/capabilities.js';
import { navigate } from '../../router/navigation.js';
import { paths } from '../../router/routes.js';
import { ImportErrorNotice } from './ImportErrorNotice.js';
import { nameFromFileName } from './importNames.js';
import { ImportNameField } from './ImportNameField.js';

const ACCEPT =
  '.tar,.tar.gz,.tgz,.zip,application/x-tar,application/gzip,application/x-gzip,application/zip';

/** Uploads a project archive (tar, tar.gz, zip) with a progress bar; held for review. */
export function ArchiveImportForm() {
  const importArchive = useImportFromArchive();
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const abort = useRef<AbortController | null>(null);
  const id = useId();

  const suggestion = file ? nameFromFileName(file.name) : '';
  const busy = importArchive.isPending;

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    if (!file || busy) return;
    const controller = new AbortController();
    abort.current = controller;
    setProgress({ sent: 0, total: file.size });
    importArchive.mutate(
      {
        name: name.trim() || suggestion || 'imported',
        file,
        onProgress: setProgress,
        signal: controller.signal,
      },
      {
        onSuccess: (app) => navigate(paths.app(app.id), { replace: true }),
        onError: () => setProgress(null),
        onSettled: () => {
          abort.current = null;
        },
      },
    );
  }

  const percent =
    progress && progress.total > 0
      ? Math.min(100, Math.round((progress.sent / progress.total) * 100))
      : null;
  const sentAll = progress !== null && progress.total > 0 && progress.sent >= progress.total;

  return (
    <form
      className="import-form"
      aria-label="Import from an archive"
      data-testid="import-archive-form"
      aria-busy={busy}
      onSubmit={submit}
    >
      <div className="import-field">
        <label htmlFor={`${id}-file`}>Archive (.zip, .tar or .tar.gz)</label>
        <input
          id={`${id}-file`}
          type="file"
          accept={ACCEPT}
          required
          data-testid="import-archive-file"
          disabled={busy}
          aria-describedby={`${id}-file-hint`}
          onChange={(event) => setFile(event.target.files?.[0] ?? null)}
        />
        <span id={`${id}-file-hint`} className="muted small">
          The project’s files; one folder holding everything (as GitHub’s downloads have) is taken
          as the project. Leave out node_modules and build output: they are made again.
        </span>
      </div>
      <ImportNameField
        id={`${id}-name`}
        value={name}
        suggestion={suggestion}
        disabled={busy}
        onChange={setName}
      />
      <div className="actions">
        <button type="submit" data-testid="import-archive-submit" disabled={busy || !file}>
          {busy ? 'Importing…' : 'Upload and import'}
        </button>
        {busy && (
          <button type="button" className="button-quiet" onClick={() => abort.current?.abort()}>
            Cancel
          </button>
        )}
      </div>
      {progress && (
        <div className="import-progress" data-testid="import-upload-progress">
          <progress
            max={100}
            value={sentAll ? undefined : (percent ?? undefined)}
            aria-label="Upload progress"
          />
          <span className="muted small" role="status">
            {formatBytes(progress.sent)}
            {progress.total > 0 && ` of ${formatBytes(progress.total)}`}
            {sentAll
              ? ' sent · checking the files, booting a sandbox and looking at how the project runs…'
              : ' sent'}
          </span>
        </div>
      )}
      {importArchive.isError && <ImportErrorNotice error={importArchive.error} />}
    </form>
  );
}
