import type { Play } from './play.js';
import {
  ADDED_FILE,
  APP_FILE,
  OLD_HEADING,
  addedText,
  newHeading,
  shellCommand,
  type Edit,
} from './plays.js';

/**
 * Codex 0.171 offers the model one tool, `exec` (a freeform custom tool in the `functions`
 * namespace, "code mode"): JavaScript run in an isolate, which calls the real tools as
 * `tools.apply_patch(patch)` and `tools.exec_command({cmd})`. So each turn is a small script.
 */
export function codexPlay({ by }: Edit): Play {
  const patch = [
    '*** Begin Patch',
    `*** Update File: ${APP_FILE}`,
    '@@',
    `-      <h1>${OLD_HEADING}</h1>`,
    `+      <h1>${newHeading(by)}</h1>`,
    `*** Add File: ${ADDED_FILE}`,
    ...addedText(by)
      .trimEnd()
      .split('\n')
      .map((line) => `+${line}`),
    '*** End Patch',
  ].join('\n');
  const exec = (source: string) => ({ name: 'exec', namespace: 'functions', input: source });
  return {
    turns: [
      {
        text: 'Patching the heading and adding a note.',
        calls: [
          exec(
            `const patched = await tools.apply_patch(${JSON.stringify(patch)});\ntext(patched);`,
          ),
        ],
      },
      {
        calls: [
          exec(
            `const run = await tools.exec_command({ cmd: ${JSON.stringify(shellCommand(by))} });\ntext(run.output);`,
          ),
        ],
      },
    ],
    final: `Changed the heading, added ${ADDED_FILE} and ran a command.`,
  };
}
