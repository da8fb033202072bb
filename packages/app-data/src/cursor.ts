import { PaddockError } from '@paddock/shared';

/**
 * Opaque page cursors: base64url JSON of where the next page starts, either after a key
 * (keyset) or at an offset (ordered table queries). A cursor that does not decode is a 400.
 */
export type Cursor = { after: string } | { offset: number };

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

export function decodeCursor(text: string | null | undefined): Cursor | null {
  if (text === undefined || text === null || text === '') return null;
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (c && typeof c === 'object') {
      const o = c as Record<string, unknown>;
      if (typeof o.after === 'string') return { after: o.after };
      if (typeof o.offset === 'number' && Number.isSafeInteger(o.offset) && o.offset >= 0) {
        return { offset: o.offset };
      }
    }
  } catch {
    // falls through to the refusal
  }
  throw new PaddockError('bad_request', 'the cursor is not one this list gave');
}

export function afterOf(c: Cursor | null): string | null {
  if (c === null) return null;
  if ('after' in c) return c.after;
  throw new PaddockError('bad_request', 'the cursor is not one this list gave');
}

/** Rows whose `column` starts with `prefix`, exactly (LIKE folds case in SQLite). */
export function prefixLength(prefix: string): number {
  return [...prefix].length;
}
