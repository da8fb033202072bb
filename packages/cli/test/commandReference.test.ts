// docs/cli.md's command table is the CLI's own table (the one --help and completion read):
// a command added, renamed or re-documented without `npm run docs:cli` fails here.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { COMMANDS } from '../src/commandList.js';
import { commandReference, type ReferenceRow } from '../src/commandReference.js';

const DOC = path.resolve(import.meta.dirname, '../../../docs/cli.md');

/** The table's rows as written: cells split on unescaped `|`, trimmed, backticks and escapes undone. */
function documentedRows(markdown: string): ReferenceRow[] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('| `paddock'))
    .map((line) => {
      const cells = line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim().replace(/^`|`$/g, '').replaceAll('\\|', '|'));
      return cells as ReferenceRow;
    });
}

test('docs/cli.md lists every command as the command table does (npm run docs:cli)', () => {
  assert.deepEqual(documentedRows(fs.readFileSync(DOC, 'utf8')), commandReference(COMMANDS));
});
