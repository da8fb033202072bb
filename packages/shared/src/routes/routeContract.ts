import type { TSchema } from 'typebox';

/** The HTTP methods the API uses. */
export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One route of the HTTP API as a client sees it: what to send and what comes back. The daemon
 * serves it (adding the handler and its own options), validates requests and generates the
 * OpenAPI document from it; the SDK takes its types from it. Schemas are TypeBox (JSON Schema).
 */
export interface RouteContract {
  method: RouteMethod;
  /** Fastify's form: `:name` for a path parameter. */
  url: string;
  schema: {
    tags: readonly string[];
    summary: string;
    description?: string;
    /** `[]`: no credentials needed (the probes, sign-in). */
    security?: readonly [];
    params?: TSchema;
    querystring?: TSchema;
    body?: TSchema;
    /** Media types of a body that is not JSON. */
    consumes?: readonly string[];
    /** Media types of an answer that is not JSON. */
    produces?: readonly string[];
    /** By status: a schema, or `{description, content}` for an answer that is not JSON. */
    response: Readonly<Record<number, unknown>>;
  };
}

/** A feature's routes by name. Declare each table `as const satisfies RouteTable`. */
export type RouteTable = Readonly<Record<string, RouteContract>>;
