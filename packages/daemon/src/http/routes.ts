import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';

/** The API's root Fastify instance, with TypeBox schemas as its type provider. */
export type Api = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/**
 * A feature's routes, registered on the root instance (not inside a plugin of their own, so the
 * auth plugin's hooks, registered the same way, cover them). The root calls them in the order
 * the OpenAPI document lists them.
 */
export type RouteInstaller = (app: Api) => Promise<void>;
