import { commandProvider } from './commandProvider.js';
import type { TaskProvider } from './taskProvider.js';

/** Every task provider this daemon runs, by name. */
export const TASK_PROVIDERS: ReadonlyMap<string, TaskProvider> = new Map(
  [commandProvider].map((p) => [p.name, p]),
);
