import type { AppImport } from '@paddock/shared';
import type { AppRow } from './appStore.js';

/** An app's import record, or null for an app made from a preset. */
export function importOf(row: Pick<AppRow, 'import_json'>): AppImport | null {
  return row.import_json === null ? null : (JSON.parse(row.import_json) as AppImport);
}

/**
 * Whether the app's processes wait: while its files are on their way in, and while the person
 * who imported it reviews how it will run.
 */
export function importHolds(row: Pick<AppRow, 'import_json'> | undefined): boolean {
  const state = row ? importOf(row)?.state : undefined;
  return state === 'importing' || state === 'review';
}
