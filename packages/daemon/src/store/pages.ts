/**
 * Keyset pages, newest first: a query asks for `limit + 1` rows ordered by id descending (ids
 * are ULID-based, so by creation time); the extra row only says whether there is a next page.
 */
export function pageOf<T extends { id: string }>(
  rows: T[],
  limit: number,
): { items: T[]; next_cursor: string | null } {
  const items = rows.slice(0, limit);
  const more = rows.length > limit;
  return { items, next_cursor: more ? (items[items.length - 1]?.id ?? null) : null };
}
