import type { FastifyInstance } from 'fastify';
import { Ajv, type Options } from 'ajv';
import formatsModule from 'ajv-formats';
import { PaddockError } from '@paddock/shared';

// ajv-formats is CommonJS with `exports.default`; under NodeNext its default import is the module.
const addFormats = (formatsModule as unknown as { default: (ajv: Ajv) => Ajv }).default;

const COMMON: Options = {
  useDefaults: true,
  // Unknown fields are an error (the schemas say additionalProperties: false), never dropped.
  removeAdditional: false,
  addUsedSchema: false,
  allErrors: false,
};

/**
 * Request validation with two compilers: query strings and path parameters arrive as text and
 * are coerced (`?limit=5` is the integer 5), while JSON bodies are taken as sent, so
 * `{"stdin": 123}` is a 400 instead of quietly becoming "123".
 */
export function installValidation(app: FastifyInstance): void {
  const strictJson = new Ajv({ ...COMMON, coerceTypes: false });
  const fromText = new Ajv({ ...COMMON, coerceTypes: 'array' });
  addFormats(strictJson);
  addFormats(fromText);
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? strictJson : fromText).compile(schema),
  );
  // A route with no query-string schema takes no query parameters: `?forse=true` is a typo to report.
  app.addHook('preValidation', async (request) => {
    if (request.routeOptions.schema?.querystring) return;
    const unexpected = Object.keys(request.query as Record<string, unknown>);
    if (unexpected.length > 0) {
      throw new PaddockError('unknown_field', `unknown query parameter "${unexpected[0]}"`);
    }
  });
}
