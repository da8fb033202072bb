import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES, PaddockError, type ErrorBody, type ErrorCode } from '@paddock/shared';

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

/** Renders every failure as `{error: {code, message}}`; only truly unexpected ones are 500. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | PaddockError | Error, request, reply) => {
    if (err instanceof PaddockError) {
      if (err.status >= 500)
        request.log.warn({ code: err.code, msg: err.message }, 'request failed');
      return reply.code(err.status).send(body(err.code, err.message, err.details));
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      const unknownField = fe.validation.find((v) => v.keyword === 'additionalProperties');
      if (unknownField) {
        const field = (unknownField.params as { additionalProperty?: string }).additionalProperty;
        return reply
          .code(400)
          .send(
            body(
              'unknown_field',
              `unknown field "${field ?? '?'}" in ${fe.validationContext ?? 'request'}`,
            ),
          );
      }
      return reply.code(400).send(body('bad_request', err.message));
    }
    const mapped = fe.code ? FASTIFY_CODES[fe.code] : undefined;
    if (mapped) return reply.code(ERROR_CODES[mapped].status).send(body(mapped, err.message));
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.code(fe.statusCode).send(body('bad_request', err.message));
    }
    request.log.error({ err }, 'unexpected error');
    return reply.code(500).send(body('internal', `unexpected error (request ${request.id})`));
  });

  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .send(body('route_not_found', `no route ${request.method} ${request.url.split('?', 1)[0]}`));
  });
}
