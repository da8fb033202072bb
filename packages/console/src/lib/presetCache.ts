import type { Preset } from '@paddock/shared';

/** A preset's dependency cache state, as a person reads it. */
export const PRESET_CACHE_WORDS: Record<Preset['dependencies'], string> = {
  cached: 'cached: a new app starts in seconds',
  not_installed: 'not installed yet: the first app installs them (about a minute)',
  none: 'none to install',
};
