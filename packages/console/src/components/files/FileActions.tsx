import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { deletePath, makeDirectory, movePath, writeFileText } from '../../api/files.js';
import { queryKeys } from '../../api/queryKeys.js';
import { ConfirmDialog } from '../ConfirmDialog.js';
import { ErrorNotice } from '../ErrorNotice.js';

type Mode = 'new-file' | 'new-folder' | 'rename';

interface FileActionsProps {
  sandboxId: string;
  /** The open file: what rename and delete act on. */
  openPath: string | null;
  /** The open file has unsaved edits: rename and delete wait until they are saved. */
  dirty: boolean;
  onOpened: (path: string) => void;
  onDeleted: () => void;
}

const LABELS: Record<Mode, { field: string; submit: string }> = {
  'new-file': { field: 'New file path', submit: 'Create file' },
  'new-folder': { field: 'New folder path', submit: 'Create folder' },
  rename: { field: 'New path', submit: 'Rename' },
};

const dirOf = (path: string | null) =>
  path && path.includes('/') ? `${path.slice(0, path.lastIndexOf('/'))}/` : '';

/** New file, new folder, and renaming or deleting the open file (deleting asks first). */
export function FileActions({ sandboxId, openPath, dirty, onOpened, onDeleted }: FileActionsProps) {
  const client = useQueryClient();
  const [mode, setMode] = useState<Mode | null>(null);
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  function start(next: Mode): void {
    setError(null);
    setMode(next);
    setValue(next === 'rename' ? (openPath ?? '') : dirOf(openPath));
  }

  async function run(action: () => Promise<void>): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      await action();
      setMode(null);
      setConfirmDelete(false);
      await client.invalidateQueries({ queryKey: queryKeys.files(sandboxId) });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  function submit(event: FormEvent): void {
    event.preventDefault();
    const path = value.trim().replace(/^\/+/, '');
    if (!path || !mode) return;
    void run(async () => {
      if (mode === 'new-file') {
        await writeFileText(sandboxId, path, '');
        onOpened(path);
      } else if (mode === 'new-folder') {
        await makeDirectory(sandboxId, path);
      } else if (openPath) {
        await movePath(sandboxId, openPath, path);
        onOpened(path);
      }
    });
  }

  return (
    <div className="file-actions">
      <div className="actions">
        <button type="button" className="button-quiet" onClick={() => start('new-file')}>
          New file
        </button>
        <button type="button" className="button-quiet" onClick={() => start('new-folder')}>
          New folder
        </button>
        <button
          type="button"
          className="button-quiet"
          disabled={!openPath || dirty}
          title={dirty ? 'Save the file first' : undefined}
          onClick={() => start('rename')}
        >
          Rename
        </button>
        <button
          type="button"
          className="button-quiet"
          disabled={!openPath || dirty}
          title={dirty ? 'Save the file first' : undefined}
          onClick={() => {
            setError(null);
            setConfirmDelete(true);
          }}
        >
          Delete
        </button>
      </div>
      {mode && (
        <form className="inline-form file-actions-form" onSubmit={submit}>
          <label className="visually-hidden" htmlFor="file-action-path">
            {LABELS[mode].field}
          </label>
          <input
            id="file-action-path"
            value={value}
            onChange={(event) => setValue(event.target.value)}
            placeholder="src/example.ts"
            autoFocus
            required
          />
          <button type="submit" disabled={busy}>
            {LABELS[mode].submit}
          </button>
          <button type="button" className="button-quiet" onClick={() => setMode(null)}>
            Cancel
          </button>
        </form>
      )}
      {Boolean(error) && !confirmDelete && <ErrorNotice error={error} title="Could not do that" />}
      <ConfirmDialog
        open={confirmDelete}
        title={`Delete ${openPath}?`}
        confirmLabel="Delete"
        pendingLabel="Deleting…"
        pending={busy}
        error={error}
        errorTitle="Could not delete"
        testId="file-delete-dialog"
        confirmDisabled={!openPath}
        onConfirm={() =>
          void run(async () => {
            if (openPath) await deletePath(sandboxId, openPath, false);
            onDeleted();
          })
        }
        onClose={() => setConfirmDelete(false)}
      >
        <p>
          The file is removed from the workspace. A checkpoint or snapshot made before still has it.
        </p>
      </ConfirmDialog>
    </div>
  );
}
