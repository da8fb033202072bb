import type { Static, TSchema } from 'typebox';
import type { RouteContract } from '@paddock/shared';

/**
 * What each route takes and answers, read off its contract in `@paddock/shared` (the schemas the
 * daemon validates with). Nothing here is written by hand: change a route's schema and these
 * types, and every SDK method built on them, change with it.
 */
type Part<
  R extends RouteContract,
  K extends 'params' | 'querystring' | 'body',
> = R['schema'] extends {
  [P in K]: infer S extends TSchema;
}
  ? Static<S>
  : undefined;

export type ParamsOf<R extends RouteContract> = Part<R, 'params'>;
export type QueryOf<R extends RouteContract> = Part<R, 'querystring'>;
export type BodyOf<R extends RouteContract> = Part<R, 'body'>;

type Success<R extends RouteContract> = R['schema']['response'] extends infer Res
  ? Res extends { 200: infer S }
    ? S
    : Res extends { 201: infer S }
      ? S
      : Res extends { 202: infer S }
        ? S
        : never
  : never;

/** The JSON a route answers with on success; `void` for a 204. */
export type ReplyOf<R extends RouteContract> = [Success<R>] extends [never]
  ? void
  : Success<R> extends TSchema
    ? Static<Success<R>>
    : unknown;

/** The pieces of a call: whichever of params, query and body the route has. */
export type CallInput<R extends RouteContract> = (ParamsOf<R> extends undefined
  ? { params?: undefined }
  : { params: ParamsOf<R> }) &
  (QueryOf<R> extends undefined ? { query?: undefined } : { query?: QueryOf<R> }) &
  (BodyOf<R> extends undefined ? { body?: undefined } : { body: BodyOf<R> }) & {
    signal?: AbortSignal | undefined;
  };
