import { SseParser } from '@paddock/shared/browser';
import { PaddockError, abortErrorOr } from './errors.js';

/**
 * The frames of a server-sent event stream, as they arrive, parsed by the same parser the daemon's
 * own clients use. Ends when the daemon ends the stream; breaking out of the loop (or aborting
 * the request's signal) closes it.
 */
export async function* eventFrames<Frame extends { event: string; data: unknown }>(
  res: Response,
  signal?: AbortSignal,
): AsyncGenerator<Frame> {
  if (!res.body) return;
  const parser = new SseParser<Frame>();
  const decoder = new TextDecoder();
  const reader = res.body.getReader();
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (err) {
        throw abortErrorOr(signal, err, 'the event stream broke off');
      }
      if (chunk.done) break;
      yield* parser.push(decoder.decode(chunk.value, { stream: true }));
    }
    yield* parser.push(decoder.decode());
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** A stream's own `error` frame, as the error it stands for. */
export function streamError(data: { code: string; message: string }): PaddockError {
  return new PaddockError(data.code, data.message);
}
