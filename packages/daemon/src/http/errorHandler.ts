import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES, PaddockError, type ErrorBody, type ErrorCode } from '@paddock/shared';
import { isStorageFull, storageFullError } from '../store/storageFull.js';

/** Fastify's own error codes, mapped to ours so clients only ever see one vocabulary. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad_request',
  FST_ERR_VALIDATION: 'bad_request',
  FST_ERR_BAD_URL: 'bad_request',
  FST_ERR_MAX_PARAM_LENGTH: 'uri_too_long',
  FST_ERR_ASYNC_CONSTRAINT: 'bad_request',
};

function body(code: ErrorCode, message: string, details?: unknown): ErrorBody {
  return details === undefined
    ? { error: { code, message } }
    : { error: { code, message, details } };
}

/**
 * Errors Fastify raises before routing (a malformed URL, an over-long parameter) skip the error
 * handler; this gives them the same envelope.
 */
export function renderFrameworkError(
  err: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const code = (err.code && FASTIFY_CODES[err.code]) || 'bad_request';
  void reply.code(ERROR_CODES[code].status).send(body(code, err.message));
}

/** How much of an unread body is read and dropped so that an early error answer arrives. */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

function drainRequest(request: FastifyRequest): Promise<void> {
  const raw = request.raw;
  const declared = Number(request.headers['content-length'] ?? NaN);
  if (raw.readableEnded || raw.destroyed || !(declared <= DRAIN_LIMIT_BYTES)) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, 10_000);
    raw.on('data', () => undefined);
    raw.once('end', done);
    raw.once('error', done);
    raw.once('close', done);
    raw.resume();
  });
}

/** Renders every failure as `{error: {code, message}}`; only truly unexpected ones are 500. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler(async (err: FastifyError | PaddockError | Error, request, reply) => {
    const [status, payload] = render(err, request);
    // An error can come before the body was read (too large, a refused upload). Answering and
    // closing then makes the kernel reset the connection, and the client may never see the
    // answer; so a bounded rest of the body is read and dropped first.
    await drainRequest(request);
    return reply.code(status).send(payload);
  });

  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .send(body('route_not_found', `no route ${request.method} ${request.url.split('?', 1)[0]}`));
  });
}

function render(
  err: FastifyError | PaddockError | Error,
  request: FastifyRequest,
): [number, ErrorBody] {
  if (err instanceof PaddockError) {
    if (err.status >= 500) request.log.warn({ code: err.code, msg: err.message }, 'request failed');
    return [err.status, body(err.code, err.message, err.details)];
  }
  const fe = err as FastifyError;
  if (fe.validation) {
    const unknownField = fe.validation.find((v) => v.keyword === 'additionalProperties');
    if (unknownField) {
      const field = (unknownField.params as { additionalProperty?: string }).additionalProperty;
      const where = fe.validationContext ?? 'request';
      return [400, body('unknown_field', `unknown field "${field ?? '?'}" in ${where}`)];
    }
    return [400, body('bad_request', err.message)];
  }
  const mapped = fe.code ? FASTIFY_CODES[fe.code] : undefined;
  if (mapped) return [ERROR_CODES[mapped].status, body(mapped, err.message)];
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return [fe.statusCode, body('bad_request', err.message)];
  }
  if (isStorageFull(err)) {
    const full = storageFullError();
    request.log.warn({ code: full.code, errno: (err as NodeJS.ErrnoException).code }, full.message);
    return [full.status, body(full.code, full.message)];
  }
  request.log.error({ err }, 'unexpected error');
  return [500, body('internal', `unexpected error (request ${request.id})`)];
}
