// Syntax colouring for diff lines, one line at a time: a diff holds fragments of files (hunks),
// so a full grammar would have no more to work with than a line. Comments, strings, keywords,
// numbers, tags and property names of the languages Paddock's presets use; anything else is
// plain text. Colour only repeats what the text says.

export type TokenKind = 'comment' | 'string' | 'keyword' | 'number' | 'tag' | 'property' | 'plain';

export interface Token {
  kind: TokenKind;
  text: string;
}

export type Language = 'js' | 'jsx' | 'css' | 'html' | 'python' | 'yaml' | 'shell' | 'json';

type Rule = [RegExp, TokenKind];

const STRINGS: Rule[] = [
  [/"(?:[^"\\]|\\.)*"?/y, 'string'],
  [/'(?:[^'\\]|\\.)*'?/y, 'string'],
];

const JS_KEYWORDS =
  'abstract|as|async|await|break|case|catch|class|const|continue|debugger|declare|default|delete|do|else|enum|export|extends|false|finally|for|from|function|get|if|implements|import|in|instanceof|interface|keyof|let|namespace|new|null|of|private|protected|public|readonly|return|satisfies|set|static|super|switch|this|throw|true|try|type|typeof|undefined|var|void|while|yield';

const NUMBER: Rule = [/(?:0[xX][\da-fA-F_]+|\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?n?)\b/y, 'number'];
/** Words are consumed whole, so a keyword inside a longer name is never coloured. */
const WORD = (keywords: string): Rule[] => [
  [new RegExp(`(?:${keywords})(?![\\w$])`, 'y'), 'keyword'],
  [/[A-Za-z_$][\w$]*/y, 'plain'],
];

const JS: Rule[] = [
  [/\/\/.*/y, 'comment'],
  [/\/\*.*?(?:\*\/|$)/y, 'comment'],
  // A line inside a block comment (JSDoc): `* text` or the closing `*/`.
  [/^\s*\*(?:\/|\s.*|$)/y, 'comment'],
  ...STRINGS,
  [/`(?:[^`\\]|\\.)*`?/y, 'string'],
  NUMBER,
  ...WORD(JS_KEYWORDS),
];

const JSX: Rule[] = [...JS.slice(0, -2), [/<\/?[A-Za-z][\w.]*/y, 'tag'], ...JS.slice(-2)];

const CSS: Rule[] = [
  [/\/\*.*?(?:\*\/|$)/y, 'comment'],
  ...STRINGS,
  [/@[\w-]+/y, 'keyword'],
  [/--?[A-Za-z][\w-]*(?=\s*:)|[A-Za-z][\w-]*(?=\s*:(?!:))/y, 'property'],
  [/#[\da-fA-F]{3,8}\b/y, 'number'],
  [/-?\d*\.?\d+(?:px|rem|em|%|vh|vw|vmin|vmax|ch|s|ms|deg|fr)?\b/y, 'number'],
  [/[A-Za-z_-][\w-]*/y, 'plain'],
];

const HTML: Rule[] = [
  [/<!--.*?(?:-->|$)/y, 'comment'],
  [/<\/?[A-Za-z][\w:-]*/y, 'tag'],
  [/[A-Za-z_:][\w:.-]*(?==)/y, 'property'],
  ...STRINGS,
];

const PYTHON: Rule[] = [
  [/#.*/y, 'comment'],
  [/[rRbBuUfF]{0,2}(?:"""|''').*?(?:"""|'''|$)/y, 'string'],
  [/[rRbBuUfF]{0,2}"(?:[^"\\]|\\.)*"?/y, 'string'],
  [/[rRbBuUfF]{0,2}'(?:[^'\\]|\\.)*'?/y, 'string'],
  [/@[\w.]+/y, 'tag'],
  NUMBER,
  ...WORD(
    'False|None|True|and|as|assert|async|await|break|class|continue|def|del|elif|else|except|finally|for|from|global|if|import|in|is|lambda|nonlocal|not|or|pass|raise|return|try|while|with|yield',
  ),
];

const YAML: Rule[] = [
  [/(?:^|(?<=\s))#.*/y, 'comment'],
  [/(?:^\s*-?\s*)?[\w.$/-]+(?=\s*:(?:\s|$))/y, 'property'],
  ...STRINGS,
  [/-?\d+(?:\.\d+)?(?=\s*(?:#|$))/y, 'number'],
  [/(?:true|false|null|yes|no|on|off|~)(?=\s*(?:#|$))/y, 'keyword'],
  [/[\w.-]+/y, 'plain'],
];

const SHELL: Rule[] = [
  [/(?:^|(?<=\s))#.*/y, 'comment'],
  ...STRINGS,
  [/\$\{[^}]*\}?|\$[\w@#?*!$-]/y, 'property'],
  ...WORD(
    'case|do|done|elif|else|esac|exit|export|fi|for|function|if|in|local|return|set|then|until|while',
  ),
];

const JSON_RULES: Rule[] = [
  [/"(?:[^"\\]|\\.)*"(?=\s*:)/y, 'property'],
  ...STRINGS,
  NUMBER,
  ...WORD('true|false|null'),
];

const RULES: Record<Language, Rule[]> = {
  js: JS,
  jsx: JSX,
  css: CSS,
  html: HTML,
  python: PYTHON,
  yaml: YAML,
  shell: SHELL,
  json: JSON_RULES,
};

const EXTENSIONS: Record<string, Language> = {
  js: 'js',
  mjs: 'js',
  cjs: 'js',
  ts: 'js',
  mts: 'js',
  cts: 'js',
  jsx: 'jsx',
  tsx: 'jsx',
  css: 'css',
  scss: 'css',
  html: 'html',
  htm: 'html',
  svg: 'html',
  xml: 'html',
  vue: 'html',
  py: 'python',
  yml: 'yaml',
  yaml: 'yaml',
  toml: 'yaml',
  sh: 'shell',
  bash: 'shell',
  json: 'json',
};

/** The language of a path, by its extension (and a few well-known names); null for none. */
export function languageOf(path: string): Language | null {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (name === 'Dockerfile' || name === '.env' || name.startsWith('.env.')) return 'shell';
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return null;
  const ext = name.slice(dot + 1).toLowerCase();
  return Object.hasOwn(EXTENSIONS, ext) ? EXTENSIONS[ext]! : null;
}

/** Lines longer than this are shown plain: minified code is not worth the work. */
export const MAX_HIGHLIGHT_CHARS = 2000;

/** A line as coloured tokens; their texts joined are the line, unchanged. */
export function highlightLine(line: string, language: Language | null): Token[] {
  if (language === null || line.length > MAX_HIGHLIGHT_CHARS)
    return [{ kind: 'plain', text: line }];
  const rules = RULES[language];
  const tokens: Token[] = [];
  const push = (kind: TokenKind, text: string): void => {
    const last = tokens.at(-1);
    if (last && last.kind === kind && kind === 'plain') last.text += text;
    else tokens.push({ kind, text });
  };
  let at = 0;
  while (at < line.length) {
    let matched = false;
    for (const [pattern, kind] of rules) {
      pattern.lastIndex = at;
      const m = pattern.exec(line);
      if (m && m[0].length > 0) {
        push(kind, m[0]);
        at += m[0].length;
        matched = true;
        break;
      }
    }
    if (!matched) push('plain', line[at++]!);
  }
  return tokens;
}
