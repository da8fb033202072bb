import { lazy, Suspense } from 'react';
import { ErrorNotice } from '../ErrorNotice.js';
import { isDirty, type OpenFile } from './useOpenFile.js';

interface FileEditorPaneProps {
  file: OpenFile;
  saving: boolean;
  saveError: unknown;
  onEdit: (text: string) => void;
  onSave: () => void;
  onReloadTheirs: () => void;
  onKeepMine: () => void;
  onDismissNotice: () => void;
}

// CodeMirror and its language packs load with the first file opened, not with the console.
const CodeEditor = lazy(() => import('./CodeEditor.js').then((m) => ({ default: m.CodeEditor })));

const mib = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

/** The open file: its header (path, modified marker, save), what happened on disk, the editor. */
export function FileEditorPane(props: FileEditorPaneProps) {
  const { file } = props;
  if (file.path === null) {
    return (
      <div className="file-pane file-pane-empty" data-testid="file-pane">
        <p className="empty">Pick a file in the tree to open it here.</p>
      </div>
    );
  }
  const dirty = isDirty(file);
  return (
    <div className="file-pane" data-testid="file-pane" data-path={file.path}>
      <div className="file-pane-header">
        <code className="file-pane-path" data-testid="open-file-path">
          {file.path}
        </code>
        {dirty && (
          <span className="file-modified" data-testid="file-modified">
            <span aria-hidden="true">●</span> modified
          </span>
        )}
        {file.status === 'text' && (
          <button
            type="button"
            data-testid="file-save"
            onClick={props.onSave}
            disabled={props.saving || !dirty}
            aria-keyshortcuts="Control+S Meta+S"
          >
            {props.saving ? 'Saving…' : 'Save'}
          </button>
        )}
      </div>
      {Boolean(props.saveError) && (
        <ErrorNotice
          error={props.saveError}
          title="Could not save; your edits are still here"
          testId="file-save-error"
        />
      )}
      <FileBody {...props} />
    </div>
  );
}

function FileBody(props: FileEditorPaneProps) {
  const { file } = props;
  if (!('status' in file)) return null;
  switch (file.status) {
    case 'loading':
      return (
        <p className="muted" role="status">
          Opening {file.path}…
        </p>
      );
    case 'error':
      return <ErrorNotice error={file.error} title={`Could not open ${file.path}`} />;
    case 'binary':
      return (
        <p className="empty" data-testid="file-not-text">
          This file is not text ({file.size} bytes), so it is not shown in the editor. Download or
          change it from the terminal.
        </p>
      );
    case 'too-large':
      return (
        <p className="empty" data-testid="file-not-text">
          This file is {mib(file.size)}, too large to edit here (the editor opens files up to 1
          MiB). Use the terminal for it.
        </p>
      );
    case 'text':
      return (
        <>
          {file.removed && (
            <p className="notice notice-warn" role="status" data-testid="file-removed">
              This file was deleted on disk. Save to write it back, or open another file.
            </p>
          )}
          {file.theirs !== null && (
            <div
              className="notice notice-warn file-conflict"
              role="alert"
              data-testid="file-conflict"
            >
              <p>
                This file changed on disk (an agent or someone else wrote it) while you have unsaved
                edits.
              </p>
              <div className="actions">
                <button type="button" onClick={props.onReloadTheirs} data-testid="reload-theirs">
                  Reload theirs
                </button>
                <button
                  type="button"
                  className="button-quiet"
                  onClick={props.onKeepMine}
                  data-testid="keep-mine"
                >
                  Keep mine
                </button>
              </div>
            </div>
          )}
          {file.notice && (
            <p className="notice notice-ok file-notice" role="status" data-testid="file-notice">
              {file.notice}{' '}
              <button type="button" className="button-quiet" onClick={props.onDismissNotice}>
                Dismiss
              </button>
            </p>
          )}
          <Suspense
            fallback={
              <p className="muted" role="status">
                Loading the editor…
              </p>
            }
          >
            <CodeEditor
              path={file.path}
              text={file.draft}
              revision={file.revision}
              onChange={props.onEdit}
              onSave={props.onSave}
            />
          </Suspense>
        </>
      );
  }
}
