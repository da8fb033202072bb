import { SseParser } from '@paddock/shared/browser';
import { PaddockError, abortErrorOr } from './errors.js';

/**
 * The frames of a server-sent event stream, as they arrive, parsed by the same parser the daemon's
 * own clients use. Ends when the daemon ends the stream; breaking out of the loop (or aborting
 * the request's signal) closes it. A final `error` frame {code, message} (`daemon_stopping` when
 * the daemon stops) is thrown as a PaddockError with that code, unless `errorFrames: 'yield'`
 * (a stream whose frames document `error`, like a file watch's).
 */
export async function* eventFrames<Frame extends { event: string; data: unknown }>(
  res: Response,
  signal?: AbortSignal,
  options: { errorFrames?: 'throw' | 'yield' } = {},
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
      yield* checked(parser.push(decoder.decode(chunk.value, { stream: true })));
    }
    yield* checked(parser.push(decoder.decode()));
  } finally {
    await reader.cancel().catch(() => undefined);
  }

  function* checked(frames: Frame[]): Generator<Frame> {
    for (const frame of frames) {
      if (frame.event === 'error' && options.errorFrames !== 'yield') {
        throw streamError(frame.data as { code: string; message: string });
      }
      yield frame;
    }
  }
}

/** A stream's own `error` frame, as the error it stands for. */
export function streamError(data: { code: string; message: string }): PaddockError {
  return new PaddockError(data.code, data.message);
}
