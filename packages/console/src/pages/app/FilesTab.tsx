import { useCallback } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { FileWatchEvent } from '../../api/files.js';
import { queryKeys } from '../../api/queryKeys.js';
import { FileActions } from '../../components/files/FileActions.js';
import { FileEditorPane } from '../../components/files/FileEditorPane.js';
import { FileTree } from '../../components/files/FileTree.js';
import { useFileWatch } from '../../components/files/useFileWatch.js';
import { isDirty, useOpenFile } from '../../components/files/useOpenFile.js';
import { useUnsavedGuard } from '../../components/files/useUnsavedGuard.js';
import { DAEMON_STOPPING_TEXT } from '../../lib/daemonStopping.js';
import type { AppTabProps } from './appTab.js';
import { NoSandbox } from './NoSandbox.js';
import '../../styles/files.css';

/** The workspace's files: a tree on the left, the open file in an editor on the right. */
export function FilesTab({ app }: AppTabProps) {
  const sandbox = app.sandbox;
  return (
    <section className="panel files-panel" aria-labelledby="files-title" data-app={app.id}>
      <h2 id="files-title">Files</h2>
      {sandbox ? (
        <FilesWorkspace key={sandbox.id} sandboxId={sandbox.id} />
      ) : (
        <NoSandbox what="there are no files to show" />
      )}
    </section>
  );
}

const parentOf = (path: string) =>
  path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '.';

function FilesWorkspace({ sandboxId }: { sandboxId: string }) {
  const client = useQueryClient();
  const editor = useOpenFile(sandboxId);
  const { file, changedOnDisk, removedOnDisk } = editor;
  const dirty = isDirty(file);
  const openPath = file.path;

  useUnsavedGuard(
    dirty,
    `${openPath ?? 'The open file'} has unsaved changes. Leave and discard them?`,
  );

  const onChange = useCallback(
    (event: FileWatchEvent) => {
      if (event.type !== 'changed') {
        void client.invalidateQueries({
          queryKey: queryKeys.fileList(sandboxId, parentOf(event.path)),
        });
      }
      if (event.path === openPath) {
        if (event.type === 'removed') removedOnDisk(event.path);
        else void changedOnDisk(event.path);
      } else if (event.type === 'removed' && openPath?.startsWith(`${event.path}/`)) {
        removedOnDisk(openPath);
      }
    },
    [client, sandboxId, openPath, changedOnDisk, removedOnDisk],
  );
  const onResync = useCallback(() => {
    void client.invalidateQueries({ queryKey: queryKeys.files(sandboxId) });
    if (openPath) void changedOnDisk(openPath);
  }, [client, sandboxId, openPath, changedOnDisk]);
  const { state: watch, restart: restartWatch } = useFileWatch(sandboxId, {
    onChange,
    onResync,
  });

  function openFile(path: string): void {
    if (path === openPath) return;
    if (
      dirty &&
      !window.confirm(`${openPath} has unsaved changes. Discard them and open ${path}?`)
    ) {
      return;
    }
    void editor.open(path);
  }

  return (
    // Ctrl/Cmd+S anywhere in the section saves (the editor has its own key binding too), so the
    // browser's "save page" does not come up over the tree.
    <div
      className="files-layout"
      onKeyDown={(event) => {
        if (event.defaultPrevented) return; // the editor saw it and saved
        if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 's') {
          event.preventDefault();
          if (dirty) void editor.save();
        }
      }}
    >
      <div className="files-side">
        <FileActions
          sandboxId={sandboxId}
          openPath={openPath}
          dirty={dirty}
          onOpened={(path) => void editor.open(path)}
          onDeleted={editor.close}
        />
        <FileTree sandboxId={sandboxId} openPath={openPath} onOpenFile={openFile} />
        <p className="muted small files-watch" data-testid="files-watch" data-state={watch}>
          {watch === 'live'
            ? 'Live: changes on disk show here.'
            : watch === 'connecting'
              ? 'Connecting to live changes…'
              : watch === 'closed'
                ? 'Live changes are off; retrying shortly.'
                : watch === 'stopping'
                  ? `Live changes are off: ${DAEMON_STOPPING_TEXT}`
                  : 'Live changes are unavailable (the workspace may be too big to follow); refresh to see changes.'}{' '}
          {watch !== 'live' && (
            <button
              type="button"
              className="button-quiet"
              onClick={() => {
                void client.invalidateQueries({ queryKey: queryKeys.files(sandboxId) });
                if (watch === 'unavailable') restartWatch();
              }}
            >
              Refresh
            </button>
          )}
        </p>
      </div>
      <FileEditorPane
        file={file}
        saving={editor.saving}
        saveError={editor.saveError}
        onEdit={editor.edit}
        onSave={() => void editor.save()}
        onReloadTheirs={editor.reloadTheirs}
        onKeepMine={editor.keepMine}
        onDismissNotice={editor.dismissNotice}
      />
    </div>
  );
}
