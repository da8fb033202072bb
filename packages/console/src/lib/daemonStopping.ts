import type { ErrorCode } from '@paddock/shared';

/**
 * The code a stopping paddockd ends open streams and terminals with: a last `error` event on a
 * stream, an `error` control message and close 1001 on a terminal.
 */
export const DAEMON_STOPPING: ErrorCode = 'daemon_stopping';

/** What the console says then, in place of a silent end or a generic error. */
export const DAEMON_STOPPING_TEXT = 'paddockd is stopping; reconnect when it is back.';

/** Whether an EventSource `error` event is that closing event (not a dropped connection). */
export function isDaemonStopping(event: Event): boolean {
  if (!(event instanceof MessageEvent) || typeof event.data !== 'string') return false;
  try {
    const parsed: unknown = JSON.parse(event.data);
    return (
      typeof parsed === 'object' &&
      parsed !== null &&
      'code' in parsed &&
      parsed.code === DAEMON_STOPPING
    );
  } catch {
    return false;
  }
}
