import { DEFAULT_CONTENT_TYPE, contentTypeOf } from '@paddock/shared';

export const DEFAULT_MIME = DEFAULT_CONTENT_TYPE;

/** `type/subtype` with optional parameters: what a writer may name. */
const MIME =
  /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}(\s*;\s*[a-z0-9_.-]+=[a-z0-9_.-]+)*$/i;

/** The given type when it is a well-formed one, else the extension's, else octet-stream. */
export function mimeOf(filePath: string, given?: string): string | null {
  if (given !== undefined) return MIME.test(given) ? given.toLowerCase() : null;
  return contentTypeOf(filePath);
}
