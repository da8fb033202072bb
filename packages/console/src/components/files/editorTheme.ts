import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import type { Extension } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { tags as t } from '@lezer/highlight';

/**
 * The editor's look in the console's own colours. Every value is a theme variable of
 * styles.css, and custom properties reach into the editor's shadow root, so light and dark
 * follow the page without a second theme.
 */
export const editorTheme: Extension = [
  EditorView.theme({
    '&': {
      height: '65vh',
      minHeight: '16rem',
      backgroundColor: 'var(--surface)',
      color: 'var(--text)',
      fontSize: '0.85rem',
    },
    '&.cm-focused': { outline: '2px solid var(--accent)', outlineOffset: '-2px' },
    '.cm-scroller': { fontFamily: 'var(--mono)' },
    '.cm-content': { caretColor: 'var(--text)' },
    '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--text)' },
    '.cm-gutters': {
      backgroundColor: 'var(--bg)',
      color: 'var(--muted)',
      borderRight: '1px solid var(--border)',
    },
    '.cm-activeLine, .cm-activeLineGutter': {
      backgroundColor: 'color-mix(in srgb, var(--selected) 60%, transparent)',
    },
    '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection':
      { backgroundColor: 'color-mix(in srgb, var(--accent) 30%, transparent)' },
    '.cm-matchingBracket, &.cm-focused .cm-matchingBracket': {
      backgroundColor: 'color-mix(in srgb, var(--ok) 25%, transparent)',
    },
    '.cm-foldPlaceholder': {
      backgroundColor: 'var(--selected)',
      border: '1px solid var(--border)',
      color: 'var(--muted)',
    },
  }),
  syntaxHighlighting(
    HighlightStyle.define([
      { tag: t.comment, color: 'var(--tok-comment)', fontStyle: 'italic' },
      { tag: [t.string, t.special(t.string), t.regexp, t.escape], color: 'var(--tok-string)' },
      {
        tag: [t.keyword, t.operatorKeyword, t.modifier, t.controlKeyword],
        color: 'var(--tok-keyword)',
      },
      { tag: [t.number, t.bool, t.atom, t.null], color: 'var(--tok-number)' },
      { tag: [t.typeName, t.className, t.tagName, t.namespace], color: 'var(--tok-tag)' },
      {
        tag: [t.propertyName, t.attributeName, t.definition(t.variableName)],
        color: 'var(--tok-property)',
      },
      { tag: t.heading, color: 'var(--tok-tag)', fontWeight: '600' },
      { tag: [t.link, t.url], color: 'var(--accent)', textDecoration: 'underline' },
      { tag: t.emphasis, fontStyle: 'italic' },
      { tag: t.strong, fontWeight: '600' },
      { tag: t.invalid, color: 'var(--bad)' },
    ]),
  ),
];
