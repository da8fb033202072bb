import type { ErrorCode } from '@paddock/shared';

/**
 * An error the API answered with (its stable `code`, e.g. `not_found`, `sandbox_not_running`),
 * or one the SDK raises itself: `network_error` (no answer), `timeout` (the call's own
 * deadline), `aborted` (the caller's signal), `stream_error` (a stream broke off or said so).
 */
export class PaddockError extends Error {
  override readonly name = 'PaddockError';
  constructor(
    readonly code: ErrorCode | SdkErrorCode | (string & {}),
    message: string,
    /** The HTTP status; 0 when there was no answer. */
    readonly status: number = 0,
    /** The error envelope's `details`, when it has them. */
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type SdkErrorCode =
  'network_error' | 'timeout' | 'aborted' | 'stream_error' | 'http_error' | 'unsupported';

/** Turns an error answer into a PaddockError, reading the `{error: {code, message}}` envelope. */
export async function errorFrom(res: Response): Promise<PaddockError> {
  let code = 'http_error';
  let message = `${res.status} ${res.statusText}`;
  let details: unknown;
  try {
    const body = (await res.json()) as {
      error?: { code?: string; message?: string; details?: unknown };
    };
    if (body.error?.code) {
      code = body.error.code;
      message = body.error.message ?? message;
      details = body.error.details;
    }
  } catch {
    // not the API's envelope (a proxy in between, say): keep the status line
  }
  return new PaddockError(code, message, res.status, details);
}

/** The caller's signal's reason as a PaddockError (`aborted`, or `timeout` for a deadline). */
export function abortError(signal: AbortSignal): PaddockError {
  const reason = signal.reason as unknown;
  if (reason instanceof PaddockError) return reason;
  const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
  return new PaddockError(
    timedOut ? 'timeout' : 'aborted',
    timedOut ? 'the call timed out' : 'the call was aborted',
    0,
    undefined,
    { cause: reason },
  );
}

/** An error while reading: the abort it came from, else `stream_error`. */
export function abortErrorOr(
  signal: AbortSignal | undefined,
  err: unknown,
  message: string,
): PaddockError {
  if (signal?.aborted) return abortError(signal);
  if (err instanceof PaddockError) return err;
  return new PaddockError('stream_error', `${message}: ${(err as Error).message}`, 0, undefined, {
    cause: err,
  });
}
