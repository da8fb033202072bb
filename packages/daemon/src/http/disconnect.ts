import type { FastifyReply } from 'fastify';

/**
 * An AbortSignal that fires when the client goes away before the answer is complete, so work
 * done on its behalf in a sandbox (a command, a stream) is stopped instead of left running.
 * The response's `close` is the one that fires on a hang-up: the request's has already fired
 * once Fastify read the body.
 */
export function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('the client disconnected'));
  });
  return controller.signal;
}
