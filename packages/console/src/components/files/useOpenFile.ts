import { useCallback, useEffect, useRef, useState } from 'react';
import { readFileContent, writeFileText } from '../../api/files.js';

/** The file open in the editor, as far as the console knows it. */
export type OpenFile =
  | { path: null }
  | { path: string; status: 'loading' }
  | { path: string; status: 'error'; error: unknown }
  | { path: string; status: 'binary' | 'too-large'; size: number }
  | {
      path: string;
      status: 'text';
      /** The file as last read from or written to the sandbox. */
      disk: string;
      /** What the editor holds; unsaved when it differs from `disk`. */
      draft: string;
      /** Bumped when `draft` is replaced from outside the editor (open, reload). */
      revision: number;
      /** Someone else's version, written while there were unsaved edits here. */
      theirs: string | null;
      /** A short word on what happened on disk, e.g. a reload. */
      notice: string | null;
      /** The file is gone from disk (the editor still holds it). */
      removed: boolean;
    };

/** Revisions are unique across files and opens, so reopening a file always resets the editor. */
let lastRevision = 0;
const nextRevision = () => ++lastRevision;

export type TextFile = Extract<OpenFile, { status: 'text' }>;

export function isDirty(file: OpenFile): boolean {
  return 'status' in file && file.status === 'text' && (file.draft !== file.disk || file.removed);
}

/**
 * Opening, editing and saving one file, and what to do when it changes on disk: an echo of our
 * own save is recognised by its content (what we wrote), a change while the editor is clean is
 * reloaded in place, and a change under unsaved edits is held as a conflict for the person.
 */
export function useOpenFile(sandboxId: string) {
  const [file, setFile] = useState<OpenFile>({ path: null });
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(null);
  const current = useRef(file);
  useEffect(() => {
    current.current = file;
  });
  /** Which read is the latest, so a slow earlier one cannot overwrite it. */
  const readSeq = useRef(0);

  const open = useCallback(
    async (path: string) => {
      const seq = ++readSeq.current;
      setSaveError(null);
      setFile({ path, status: 'loading' });
      try {
        const content = await readFileContent(sandboxId, path);
        if (seq !== readSeq.current) return;
        if (content.kind === 'text') {
          setFile({
            path,
            status: 'text',
            disk: content.text,
            draft: content.text,
            revision: nextRevision(),
            theirs: null,
            notice: null,
            removed: false,
          });
        } else {
          setFile({ path, status: content.kind, size: content.size });
        }
      } catch (error) {
        if (seq === readSeq.current) setFile({ path, status: 'error', error });
      }
    },
    [sandboxId],
  );

  const close = useCallback(() => {
    readSeq.current++;
    setFile({ path: null });
  }, []);

  const edit = useCallback((draft: string) => {
    setFile((f) => ('status' in f && f.status === 'text' ? { ...f, draft } : f));
  }, []);

  const save = useCallback(async () => {
    const f = current.current;
    if (!('status' in f) || f.status !== 'text') return;
    const text = f.draft;
    setSaving(true);
    setSaveError(null);
    try {
      await writeFileText(sandboxId, f.path, text);
      setFile((now) =>
        'status' in now && now.status === 'text' && now.path === f.path
          ? { ...now, disk: text, removed: false, theirs: null, notice: null }
          : now,
      );
    } catch (error) {
      setSaveError(error);
    } finally {
      setSaving(false);
    }
  }, [sandboxId]);

  /** The watch saw the open file change: read it and decide what it means here. */
  const changedOnDisk = useCallback(
    async (path: string) => {
      const f = current.current;
      if (f.path !== path || !('status' in f)) return;
      if (f.status !== 'text') {
        if (f.status !== 'loading') void open(path);
        return;
      }
      let content;
      try {
        content = await readFileContent(sandboxId, path);
      } catch {
        return; // Gone again or unreadable for a moment; a later event tells.
      }
      if (content.kind !== 'text') {
        void open(path);
        return;
      }
      const theirs = content.text;
      setFile((now) => {
        if (!('status' in now) || now.status !== 'text' || now.path !== path) return now;
        if (theirs === now.disk) return now.removed ? { ...now, removed: false } : now;
        // What we hold is what is there now (our own save's echo, or the same edit): in sync.
        if (theirs === now.draft) return { ...now, disk: theirs, removed: false, theirs: null };
        if (now.draft === now.disk && !now.removed) {
          return {
            ...now,
            disk: theirs,
            draft: theirs,
            revision: nextRevision(),
            theirs: null,
            notice: 'Changed on disk by someone else; reloaded.',
          };
        }
        return { ...now, theirs, removed: false };
      });
    },
    [open, sandboxId],
  );

  const removedOnDisk = useCallback((path: string) => {
    setFile((now) =>
      'status' in now && now.status === 'text' && now.path === path
        ? { ...now, removed: true, notice: null }
        : now,
    );
  }, []);

  /** Take the version on disk, dropping the edits here. */
  const reloadTheirs = useCallback(() => {
    setFile((now) =>
      'status' in now && now.status === 'text' && now.theirs !== null
        ? {
            ...now,
            disk: now.theirs,
            draft: now.theirs,
            revision: nextRevision(),
            theirs: null,
            notice: 'Reloaded the version on disk.',
          }
        : now,
    );
  }, []);

  /** Keep the edits here; saving them replaces the version on disk. */
  const keepMine = useCallback(() => {
    setFile((now) =>
      'status' in now && now.status === 'text' && now.theirs !== null
        ? { ...now, disk: now.theirs, theirs: null, notice: null }
        : now,
    );
  }, []);

  const dismissNotice = useCallback(() => {
    setFile((now) => ('status' in now && now.status === 'text' ? { ...now, notice: null } : now));
  }, []);

  return {
    file,
    saving,
    saveError,
    open,
    close,
    edit,
    save,
    changedOnDisk,
    removedOnDisk,
    reloadTheirs,
    keepMine,
    dismissNotice,
  };
}
