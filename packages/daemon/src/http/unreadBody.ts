import { PassThrough, type Readable } from 'node:stream';

/** Past this much, a refused upload's rest is not read: the connection is cut instead. */
const DISCARD_MAX_BYTES = 64 * 1024 * 1024;

/**
 * A request body for a consumer that may stop early (a quota, a bad path): the consumer gets a
 * stream of its own, so destroying it leaves the request (and its socket) whole, and what it
 * did not read can be discarded before the answer. Otherwise a client still sending would see
 * its connection reset instead of the 4xx that explains why.
 */
export function shieldedBody(request: Readable): {
  body: Readable;
  discardRest: () => Promise<void>;
} {
  const body = new PassThrough();
  request.pipe(body);
  const discardRest = async () => {
    request.unpipe(body);
    if (request.readableEnded || request.destroyed) return;
    let seen = 0;
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      request.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > DISCARD_MAX_BYTES) {
          request.destroy();
          done();
        }
      });
      request.once('end', done);
      request.once('close', done);
      request.once('error', done);
      request.resume();
    });
  };
  return { body, discardRest };
}
