import type { FastifyInstance } from 'fastify';

/**
 * JSON bodies, with one courtesy: a POST that carries no body at all (or an empty one with a JSON
 * content type) is treated as `{}`, so `POST /v1/sandboxes` works without `-d '{}'`. Everything
 * else goes through Fastify's own parser, prototype-poisoning protection included.
 */
export function installJsonBody(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    parse(request, text, done);
  });
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.routeOptions.schema?.body) request.body = {};
  });
}
