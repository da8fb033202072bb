import type { LaunchResult } from '@paddock/shared';
import { PARENT_ORIGIN_KEY } from '@paddock/app-sdk/protocol';

/**
 * The frame's URL: the launch's, which must be on the app's own origin, with the console's
 * origin in its fragment for the SDK (the daemon puts it there; added when missing).
 */
export function frameUrl(launch: LaunchResult, consoleOrigin: string): string {
  const url = new URL(launch.url);
  if (url.origin !== launch.origin || url.origin === consoleOrigin) {
    throw new Error(`The app's URL is not on its own origin: ${url.origin}`);
  }
  const fragment = new URLSearchParams(url.hash.replace(/^#/, ''));
  if (!fragment.has(PARENT_ORIGIN_KEY)) {
    fragment.set(PARENT_ORIGIN_KEY, consoleOrigin);
    url.hash = fragment.toString();
  }
  return url.toString();
}
