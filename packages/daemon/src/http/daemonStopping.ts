import { PaddockError } from '@paddock/shared';

/**
 * Why something still open at the drain deadline was ended: one code and one wording for every
 * stream and terminal, so clients switch on `daemon_stopping` and people read the same words.
 * `ended` says what was cut, e.g. "the command was ended".
 */
export function daemonStopping(ended = 'the stream was ended'): PaddockError {
  return new PaddockError(
    'daemon_stopping',
    `the daemon is stopping: ${ended}; reconnect once it is back`,
  );
}
