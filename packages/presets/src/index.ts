export {
  PRESETS,
  PRESET_NAMES,
  getPreset,
  listTemplateFiles,
  type PresetDefinition,
  type PresetName,
  type TemplateFile,
} from './catalog.js';
export {
  DependencyCache,
  type DependencyCacheOptions,
  type EnsureResult,
  type Installable,
  type NpmInputs,
  type PresetsLogger,
} from './dependencyCache.js';
export {
  earlierInputs,
  listCacheEntries,
  type CacheEntry,
  type EntryInputs,
} from './cacheEntries.js';
export { defaultInUse, pruneCache, type EntryInUse, type PruneOutcome } from './cachePrune.js';
export { TOOLS, getTool, type PackageManagerTool, type ToolDefinition } from './tools.js';
export { packageManagerInSandbox } from './packageManagers.js';
export { prepareSharedCache, toolModulesInSandbox } from './sharedCache.js';
export { seedWorkspace, type SeedTarget } from './workspaceSeed.js';
