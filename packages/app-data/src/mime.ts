/** The MIME types a file gets from its extension when the writer does not say (a fixed table). */
const BY_EXTENSION: Readonly<Record<string, string>> = {
  txt: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  json: 'application/json',
  xml: 'application/xml',
  pdf: 'application/pdf',
  zip: 'application/zip',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  ico: 'image/x-icon',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  mp4: 'video/mp4',
  webm: 'video/webm',
  woff2: 'font/woff2',
};

export const DEFAULT_MIME = 'application/octet-stream';

/** `type/subtype` with optional parameters: what a writer may name. */
const MIME =
  /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}(\s*;\s*[a-z0-9_.-]+=[a-z0-9_.-]+)*$/i;

/** The given type when it is a well-formed one, else the extension's, else octet-stream. */
export function mimeOf(filePath: string, given?: string): string | null {
  if (given !== undefined) return MIME.test(given) ? given.toLowerCase() : null;
  const base = filePath.slice(filePath.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return DEFAULT_MIME;
  return BY_EXTENSION[base.slice(dot + 1).toLowerCase()] ?? DEFAULT_MIME;
}
