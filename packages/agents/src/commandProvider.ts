import { passthrough, type TaskProvider } from './taskProvider.js';

/** `command`: a shell script in the workspace — how scripted agents and tests drive Paddock. */
export const commandProvider: TaskProvider = {
  name: 'command',
  tool: null,
  run: (input) => ({ argv: ['/bin/sh', '-c', String(input.script)], parser: passthrough() }),
};
