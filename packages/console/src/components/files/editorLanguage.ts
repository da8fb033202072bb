import type { Extension } from '@codemirror/state';
import { css } from '@codemirror/lang-css';
import { html } from '@codemirror/lang-html';
import { javascript } from '@codemirror/lang-javascript';
import { json } from '@codemirror/lang-json';
import { markdown } from '@codemirror/lang-markdown';

/** The syntax a file is highlighted with, by its name; none for what has no language pack. */
export function editorLanguage(path: string): Extension {
  const name = path.split('/').pop()?.toLowerCase() ?? '';
  const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : '';
  switch (ext) {
    case 'js':
    case 'mjs':
    case 'cjs':
      return javascript();
    case 'jsx':
      return javascript({ jsx: true });
    case 'ts':
    case 'mts':
    case 'cts':
      return javascript({ typescript: true });
    case 'tsx':
      return javascript({ typescript: true, jsx: true });
    case 'css':
      return css();
    case 'html':
    case 'htm':
      return html();
    case 'json':
    case 'jsonc':
    case 'webmanifest':
      return json();
    case 'md':
    case 'markdown':
      return markdown();
    default:
      return [];
  }
}
