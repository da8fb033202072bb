/**
 * The route table the SDK calls: in the monorepo, `@paddock/shared`'s own. The published bundle
 * replaces this module with the same table reduced to each route's method and URL, evaluated at
 * build time (scripts/pack.mjs), so it carries no schema code; the types still come from here.
 */
export { ROUTES } from '@paddock/shared';
