export { TASK_PROVIDERS } from './taskProviders.js';
export type {
  OutputParser,
  ProviderContext,
  ProviderRun,
  TaskProvider,
  ToolRef,
} from './taskProvider.js';
