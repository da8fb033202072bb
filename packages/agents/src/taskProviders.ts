import { claudeCodeProvider } from './claudeCode.js';
import { codexProvider } from './codex.js';
import { commandProvider } from './commandProvider.js';
import { opencodeProvider } from './opencode.js';
import type { TaskProvider } from './taskProvider.js';

/** Every task provider there is, by name: what the daemon runs tasks with. */
export const TASK_PROVIDERS: ReadonlyMap<string, TaskProvider> = new Map(
  [commandProvider, claudeCodeProvider, codexProvider, opencodeProvider].map((p) => [p.name, p]),
);
