import { useEffect, useRef } from 'react';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { bracketMatching, foldGutter, indentOnInput } from '@codemirror/language';
import { Compartment, EditorState } from '@codemirror/state';
import {
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from '@codemirror/view';
import { editorLanguage } from './editorLanguage.js';
import { editorTheme } from './editorTheme.js';

const DARK = '(prefers-color-scheme: dark)';

interface CodeEditorProps {
  /** The file's path: its language, and the editor's accessible name. */
  path: string;
  /** The text to show; replacing it (a new `revision`) resets the editor to it. */
  text: string;
  /** Bumped whenever `text` is to replace what the editor holds (open, reload). */
  revision: number;
  onChange: (text: string) => void;
  onSave: () => void;
}

/**
 * CodeMirror 6 on one file, inside a shadow root: there CodeMirror puts its styles in a
 * constructable stylesheet (adoptedStyleSheets), which the console's CSP (style-src 'self')
 * allows; on the document itself it would add a <style> element, which the CSP refuses.
 */
export function CodeEditor({ path, text, revision, onChange, onSave }: CodeEditorProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  const callbacks = useRef({ onChange, onSave });
  useEffect(() => {
    callbacks.current = { onChange, onSave };
  });

  // One view per file; a new revision of the same file replaces its text in place below.
  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const shadow = host.shadowRoot ?? host.attachShadow({ mode: 'open' });
    const media = window.matchMedia(DARK);
    const darkness = new Compartment();
    const view = new EditorView({
      root: shadow,
      parent: shadow,
      state: EditorState.create({
        doc: text,
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          foldGutter(),
          history(),
          drawSelection(),
          indentOnInput(),
          bracketMatching(),
          highlightActiveLine(),
          editorTheme,
          darkness.of(EditorView.darkTheme.of(media.matches)),
          editorLanguage(path),
          keymap.of([
            {
              key: 'Mod-s',
              preventDefault: true,
              run: () => {
                callbacks.current.onSave();
                return true;
              },
            },
            indentWithTab,
            ...defaultKeymap,
            ...historyKeymap,
          ]),
          EditorView.contentAttributes.of({
            'aria-label': `Contents of ${path}`,
            'data-testid': 'code-editor-content',
          }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) callbacks.current.onChange(update.state.doc.toString());
          }),
        ],
      }),
    });
    viewRef.current = view;
    // CodeMirror's own defaults (selection, panels) follow the system theme with the page.
    const followTheme = () =>
      view.dispatch({ effects: darkness.reconfigure(EditorView.darkTheme.of(media.matches)) });
    media.addEventListener('change', followTheme);
    return () => {
      media.removeEventListener('change', followTheme);
      view.destroy();
      viewRef.current = null;
    };
    // The text at creation only; later texts arrive through `revision`.
  }, [path]);

  useEffect(() => {
    const view = viewRef.current;
    if (!view) return;
    const current = view.state.doc.toString();
    if (current === text) return;
    // Keep the cursor near where it was: the text usually changed a little, not all over.
    const head = Math.min(view.state.selection.main.head, text.length);
    view.dispatch({
      changes: { from: 0, to: current.length, insert: text },
      selection: { anchor: head },
    });
    // Only a new revision replaces; `text` changing alone is the editor's own typing.
  }, [revision]);

  return <div ref={hostRef} className="code-editor" data-testid="code-editor" />;
}
