// A task's diff (`git diff --no-color --no-renames` output) as files, hunks and numbered lines,
// for the diff view. Tolerant: a diff cut short (the workspace's output cap) parses as far as
// it goes, and anything unexpected is kept as a meta line rather than dropped.

export type DiffLineKind = 'add' | 'del' | 'context' | 'meta';

export interface DiffLine {
  kind: DiffLineKind;
  text: string;
  /** Line numbers in the old and new file; null where the line is not on that side. */
  oldNo: number | null;
  newNo: number | null;
}

export interface DiffHunk {
  header: string;
  lines: DiffLine[];
}

export interface DiffFile {
  /** The file's path (the new one; the old one for a deleted file). */
  path: string;
  change: 'added' | 'deleted' | 'modified';
  binary: boolean;
  /** Header lines git wrote before the hunks (`new file mode 100644`, ...), for the curious. */
  notes: string[];
  hunks: DiffHunk[];
  added: number;
  removed: number;
}

const C_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '"': '"',
  '\\': '\\',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
};

/** A path as git prints it: plain, or C-quoted when it holds quotes, backslashes or controls. */
export function unquotePath(raw: string): string {
  if (!raw.startsWith('"') || !raw.endsWith('"') || raw.length < 2) return raw;
  const body = raw.slice(1, -1);
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      bytes.push(...encoder.encode(ch));
      continue;
    }
    const next = body[i + 1] ?? '';
    const octal = /^[0-7]{3}/.exec(body.slice(i + 1));
    if (octal) {
      bytes.push(parseInt(octal[0], 8));
      i += 3;
    } else {
      bytes.push(...encoder.encode(C_ESCAPES[next] ?? next));
      i += 1;
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** `a/src/App.tsx` → `src/App.tsx`; `/dev/null` → null. Git ends a name holding a space with a tab. */
function sidePath(raw: string): string | null {
  const name = unquotePath(raw.endsWith('\t') ? raw.slice(0, -1) : raw);
  if (name === '/dev/null') return null;
  return name.startsWith('a/') || name.startsWith('b/') ? name.slice(2) : name;
}

/** `diff --git a/P b/P` (renames are off, so both sides name the same path). */
function headerPath(rest: string): string {
  if (rest.startsWith('"')) {
    const end = rest.indexOf('" ', 1);
    return sidePath(end === -1 ? rest : rest.slice(0, end + 1)) ?? rest;
  }
  const n = (rest.length - 5) / 2;
  if (Number.isInteger(n) && n > 0 && rest.slice(2 + n) === ` b/${rest.slice(2, 2 + n)}`) {
    return rest.slice(2, 2 + n);
  }
  return sidePath(rest.split(' ')[0] ?? rest) ?? rest;
}

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

export function parseUnifiedDiff(text: string): DiffFile[] {
  const files: DiffFile[] = [];
  let file: DiffFile | null = null;
  let hunk: DiffHunk | null = null;
  let oldNo = 0;
  let newNo = 0;
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();

  for (const line of lines) {
    if (line.startsWith('diff --git ')) {
      file = {
        path: headerPath(line.slice('diff --git '.length)),
        change: 'modified',
        binary: false,
        notes: [],
        hunks: [],
        added: 0,
        removed: 0,
      };
      files.push(file);
      hunk = null;
      continue;
    }
    if (!file) continue;
    if (!hunk) {
      if (line.startsWith('--- ')) {
        const old = sidePath(line.slice(4));
        if (old === null) file.change = 'added';
        else file.path = old;
      } else if (line.startsWith('+++ ')) {
        const now = sidePath(line.slice(4));
        if (now === null) file.change = 'deleted';
        else file.path = now;
      } else if (line.startsWith('new file mode')) {
        file.change = 'added';
        file.notes.push(line);
      } else if (line.startsWith('deleted file mode')) {
        file.change = 'deleted';
        file.notes.push(line);
      } else if (line.startsWith('Binary files ') || line === 'GIT binary patch') {
        file.binary = true;
        file.notes.push(line);
      } else if (!line.startsWith('@@') && !line.startsWith('index ')) {
        file.notes.push(line);
      }
    }
    const header = HUNK.exec(line);
    if (header) {
      hunk = { header: line, lines: [] };
      file.hunks.push(hunk);
      oldNo = Number(header[1]);
      newNo = Number(header[2]);
      continue;
    }
    if (!hunk) continue;
    const mark = line[0];
    const body = line.slice(1);
    if (mark === '+') {
      hunk.lines.push({ kind: 'add', text: body, oldNo: null, newNo: newNo++ });
      file.added++;
    } else if (mark === '-') {
      hunk.lines.push({ kind: 'del', text: body, oldNo: oldNo++, newNo: null });
      file.removed++;
    } else if (mark === ' ' || line === '') {
      hunk.lines.push({ kind: 'context', text: body, oldNo: oldNo++, newNo: newNo++ });
    } else {
      // `\ No newline at end of file`, or something this parser does not know.
      hunk.lines.push({ kind: 'meta', text: line, oldNo: null, newNo: null });
    }
  }
  return files;
}

/** Lines a diff view shows for a file; past this many it starts folded. */
export const LARGE_FILE_LINES = 400;

export function diffLineCount(file: DiffFile): number {
  return file.hunks.reduce((sum, h) => sum + h.lines.length + 1, 0);
}
