import type { PackageJson } from './packageJson.js';
import { runScript, type NodePackageManager } from './packageManager.js';
import type { ProjectFiles } from './projectFiles.js';
import { userText } from './userText.js';

/** How a Node server without a framework of its own is started. */
export interface NodeEntry {
  command: string;
  /** The file it runs, when the command names one (its port is read from it). */
  file: string | null;
  /** The command restarts the server on changes itself (node --watch, nodemon, tsx watch…). */
  watches: boolean;
  note: string;
}

/**
 * Tools that run a script file the way `node` does, by the binary's name in node_modules/.bin.
 * `watch`: it reloads on changes; `subcommand`: a leading word that turns watching on.
 */
const RUNNERS: Readonly<Record<string, { watches: boolean; watchSubcommand?: string }>> = {
  node: { watches: false },
  nodemon: { watches: true },
  'node-dev': { watches: true },
  'ts-node-dev': { watches: true },
  tsnd: { watches: true },
  tsx: { watches: false, watchSubcommand: 'watch' },
  'ts-node': { watches: false },
  'babel-node': { watches: false },
};

/** node's own options that take the next word as their value. */
const NODE_OPTIONS_WITH_VALUE = new Set(['-r', '--require', '--import', '--loader', '-e']);

/** Files a Node server conventionally starts from, when package.json names none. */
const CONVENTIONAL_ENTRIES = [
  'server.js',
  'server.mjs',
  'index.js',
  'index.mjs',
  'app.js',
  'app.mjs',
  'src/server.js',
  'src/index.js',
];

/** A word a command may hold as it is: no quoting, expansion or redirection to reason about. */
const PLAIN_WORD = /^[A-Za-z0-9_./:=@%+,-]+$/;
const ENV_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const MAX_SCRIPT = 1000;

/**
 * The project's own way to start: a plain `dev` or `start` script (`node server.js`,
 * `nodemon src/index.js`) taken as it is with binaries run from node_modules/.bin; else such a
 * script run through the package manager; else `main` or a conventional entry file.
 */
export async function resolveNodeEntry(
  files: ProjectFiles,
  pkg: PackageJson,
  manager: NodePackageManager,
): Promise<NodeEntry | null> {
  for (const script of ['dev', 'start']) {
    const text = pkg.scripts.get(script);
    const entry = text === undefined ? null : plainScript(text);
    if (text !== undefined && entry) {
      return { ...entry, note: `the ${script} script runs ${userText(text)}` };
    }
  }
  for (const script of ['dev', 'start']) {
    const text = pkg.scripts.get(script);
    if (text !== undefined && text.trim() !== '') {
      return {
        command: runScript(manager, script),
        file: null,
        watches: false,
        note: `the ${script} script (${userText(text)}) runs through ${manager}`,
      };
    }
  }
  const main = pkg.main !== null && isPlainPath(pkg.main) ? normalise(pkg.main) : null;
  if (main !== null && (await files.has(main))) {
    return {
      command: `node ${main}`,
      file: main,
      watches: false,
      note: `package.json's main is ${main}`,
    };
  }
  const conventional = await files.first(CONVENTIONAL_ENTRIES);
  if (conventional !== null) {
    return {
      command: `node ${conventional}`,
      file: conventional,
      watches: false,
      note: `no dev or start script; ${conventional} is the entry point`,
    };
  }
  return null;
}

/** A script that is only `[VAR=value …] <runner> [options] <file> [args]`, rewritten to run its binary from node_modules/.bin. */
function plainScript(text: string): Omit<NodeEntry, 'note'> | null {
  if (text.length > MAX_SCRIPT) return null;
  const words = text.trim().split(/\s+/);
  if (words.length === 0 || !words.every((w) => PLAIN_WORD.test(w))) return null;
  let at = 0;
  while (at < words.length && ENV_ASSIGNMENT.test(words[at]!)) at++;
  const bin = words[at];
  const runner = bin === undefined ? undefined : RUNNERS[bin];
  if (bin === undefined || runner === undefined) return null;
  let watches = runner.watches;
  let i = at + 1;
  if (runner.watchSubcommand !== undefined && words[i] === runner.watchSubcommand) {
    watches = true;
    i++;
  }
  let file: string | null = null;
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--watch' || w.startsWith('--watch-path')) watches = true;
    if (NODE_OPTIONS_WITH_VALUE.has(w)) i++;
    else if (!w.startsWith('-')) {
      file = normalise(w);
      break;
    }
  }
  if (file === null || !isPlainPath(file)) return null;
  const rewritten = [...words];
  if (bin !== 'node') rewritten[at] = `node_modules/.bin/${bin}`;
  return { command: rewritten.join(' '), file, watches };
}

/** A relative path inside the project, without `..`. */
function isPlainPath(path: string): boolean {
  const p = normalise(path);
  return PLAIN_WORD.test(p) && !p.startsWith('/') && !p.split('/').includes('..');
}

function normalise(path: string): string {
  return path.replace(/^\.\//, '');
}
