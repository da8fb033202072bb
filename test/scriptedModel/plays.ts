import type { Play } from './play.js';

/**
 * The edit every CLI is scripted to make, in its own tools: read src/App.tsx, replace its
 * heading, add a file, and run a shell command that leaves a file behind.
 */
export interface Edit {
  /** The workspace as the CLI sees it (its working directory). */
  workspace: string;
  /** Says who did it: the CLI's name. */
  by: string;
}

export const APP_FILE = 'src/App.tsx';
export const OLD_HEADING = 'Hello from React + Vite';
export const ADDED_FILE = 'SCRIPTED.md';
export const SHELL_FILE = 'shell-ran.txt';

export const newHeading = (by: string) => `Hello from ${by} and a scripted model`;
export const addedText = (by: string) => `Written by ${by} on a scripted model's word.\n`;

/** The package the play installs from the test's npm registry, and the file its use writes. */
export const PROBE_PACKAGE = 'paddock-probe';
export const PROBE_TEXT = 'probe from the loopback registry';
export const PROBE_FILE = 'probe.txt';

/** Every file a play changes: the edit, the new file, and what its command leaves. */
export const CHANGED_FILES = [
  APP_FILE,
  ADDED_FILE,
  SHELL_FILE,
  PROBE_FILE,
  'package.json',
  'package-lock.json',
].sort();

/**
 * The shell command of every play: it says who ran it, adds a dependency from the registry (as
 * agents do in their first minutes: through the egress proxy, into the app's own layer over the
 * shared node_modules) and uses it.
 */
export const shellCommand = (by: string) =>
  `echo "${by}" > ${SHELL_FILE} && npm install --no-audit --no-fund ${PROBE_PACKAGE} && ` +
  `node -p "require('${PROBE_PACKAGE}')" > ${PROBE_FILE} && ls src`;

/** Claude Code: Read (Edit refuses a file not read first), Edit, Write, Bash. */
export function claudeCodePlay({ workspace, by }: Edit): Play {
  const file = `${workspace}/${APP_FILE}`;
  return {
    turns: [
      {
        text: 'Let me look at the app first.',
        calls: [{ name: 'Read', input: { file_path: file } }],
      },
      {
        calls: [
          {
            name: 'Edit',
            input: { file_path: file, old_string: OLD_HEADING, new_string: newHeading(by) },
          },
        ],
      },
      {
        calls: [
          {
            name: 'Write',
            input: { file_path: `${workspace}/${ADDED_FILE}`, content: addedText(by) },
          },
        ],
      },
      {
        calls: [
          {
            name: 'Bash',
            input: { command: shellCommand(by), description: 'Record that the shell ran' },
          },
        ],
      },
    ],
    final: `Changed the heading, added ${ADDED_FILE} and ran a command.`,
  };
}

/** opencode: read (edit refuses a file not read first), edit, write, bash; camelCase args. */
export function opencodePlay({ workspace, by }: Edit): Play {
  const file = `${workspace}/${APP_FILE}`;
  return {
    turns: [
      {
        text: 'Let me look at the app first.',
        calls: [{ name: 'read', input: { filePath: file } }],
      },
      {
        calls: [
          {
            name: 'edit',
            input: { filePath: file, oldString: OLD_HEADING, newString: newHeading(by) },
          },
        ],
      },
      {
        calls: [
          {
            name: 'write',
            input: { filePath: `${workspace}/${ADDED_FILE}`, content: addedText(by) },
          },
        ],
      },
      {
        calls: [
          {
            name: 'bash',
            input: { command: shellCommand(by), description: 'Record that the shell ran' },
          },
        ],
      },
    ],
    final: `Changed the heading, added ${ADDED_FILE} and ran a command.`,
  };
}
