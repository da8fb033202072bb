// Rewrites docs/cli.md's command table from the CLI's command table (the one --help and the
// completion scripts read). `npm run docs:cli`; packages/cli/test/commandReference.test.ts
// fails when the page and the table differ.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { COMMANDS } from '../packages/cli/src/commandList.js';
import { commandReference, referenceMarkdown } from '../packages/cli/src/commandReference.js';

const file = path.resolve(import.meta.dirname, '../docs/cli.md');
const text = fs.readFileSync(file, 'utf8');
const start = text.indexOf('| command');
const end = text.indexOf('\n\n', start);
const table = referenceMarkdown(commandReference(COMMANDS));
fs.writeFileSync(file, text.slice(0, start) + table + (end < 0 ? '\n' : text.slice(end)));
execFileSync('npx', ['--no-install', 'prettier', '--write', file], { stdio: 'ignore' });
