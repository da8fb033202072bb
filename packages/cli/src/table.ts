/** A cell: text, a number, or nothing (shown as "-"). */
export type Cell = string | number | boolean | null | undefined;

/**
 * Rows under a header as aligned columns, two spaces apart; the last column is not padded, so
 * a long title does not widen every line.
 */
export function formatTable(header: string[], rows: Cell[][]): string {
  const text = [header, ...rows.map((r) => r.map(cellText))];
  const widths = header.map((_, i) => Math.max(...text.map((r) => (r[i] ?? '').length)));
  return text
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A record as `key  value` lines, keys aligned: a single object's human form. */
export function formatFields(fields: [string, Cell][]): string {
  const width = Math.max(0, ...fields.map(([k]) => k.length));
  return fields.map(([k, v]) => `${k.padEnd(width)}  ${cellText(v)}`).join('\n');
}

function cellText(c: Cell): string {
  return c === null || c === undefined ? '-' : String(c);
}
