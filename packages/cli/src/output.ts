import { formatTable, type Cell } from './table.js';

/**
 * How this run prints: `--json` (taken off the arguments by main, for every command) means one
 * JSON document on stdout, the API's answer, and nothing else there; no progress either.
 */
let jsonMode = false;

export function setJsonMode(on: boolean): void {
  jsonMode = on;
}

export function isJson(): boolean {
  return jsonMode;
}

/** Prints `value` as JSON in --json mode, else runs the human form. */
export function emit<T>(value: T, human: (value: T) => void): void {
  if (jsonMode) console.log(JSON.stringify(value ?? null, null, 2));
  else human(value);
}

/** A list: JSON as it came, or an aligned table with the given columns. */
export function emitTable<T>(items: T[], header: string[], row: (item: T) => Cell[]): void {
  emit(items, () => printTable(items, header, row));
}

/** An aligned table on stdout; "(none)" on stderr for no rows, so stdout stays empty. */
export function printTable<T>(
  items: readonly T[],
  header: string[],
  row: (item: T) => Cell[],
): void {
  if (items.length === 0) console.error('(none)');
  else console.log(formatTable(header, items.map(row)));
}
