import { PaddockError } from '@paddock/shared';

/**
 * Every store's `update` returns the row as it now stands or throws `not_found`: a row deleted
 * meanwhile is never reported as updated, and callers need no `!`.
 */
export function found<T>(row: T | undefined, what: string): T {
  if (row === undefined) throw new PaddockError('not_found', `${what} no longer exists`);
  return row;
}
