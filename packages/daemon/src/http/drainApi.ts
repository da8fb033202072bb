import type { FastifyInstance } from 'fastify';
import { daemonStopping } from './daemonStopping.js';

/**
 * Closes the API: no new request is taken, those in flight get `drainMs` to finish; then open
 * streams are told to end (they send an error frame saying why), and a second later any
 * connection still open is cut. The frames are `daemon_stopping` (http/daemonStopping.ts); a
 * terminal's WebSocket closes with 1001.
 */
export async function drainApi(
  app: FastifyInstance,
  stopping: AbortController,
  drainMs: number,
): Promise<void> {
  const closing = app.close();
  const timers: NodeJS.Timeout[] = [];
  const deadline = new Promise<void>((resolve) => {
    timers.push(setTimeout(resolve, drainMs));
  });
  if ((await Promise.race([closing.then(() => 'closed'), deadline])) === 'closed') {
    timers.forEach(clearTimeout);
    return;
  }
  stopping.abort(daemonStopping('what was still open was ended'));
  timers.push(setTimeout(() => app.server.closeAllConnections(), 1_000));
  await closing;
  timers.forEach(clearTimeout);
}
