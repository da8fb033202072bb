import type { ServerResponse } from 'node:http';

/** Seconds a waiting page asks the browser to wait before it tries again. */
export const RETRY_AFTER_SECONDS = 2;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The proxy's own answers. A sandbox or app that is starting gets 503 with Retry-After and a
 * page that reloads itself (never a 200 that looks like the app), the rest a short explanation.
 */
export function sendPreviewPage(
  res: ServerResponse,
  status: 401 | 404 | 429 | 502 | 503,
  title: string,
  detail: string,
): void {
  const waiting = status === 503;
  const body =
    '<!doctype html><html><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1">' +
    (waiting ? `<meta http-equiv="refresh" content="${RETRY_AFTER_SECONDS}">` : '') +
    `<title>${escapeHtml(title)}</title>` +
    '<style>body{font:16px system-ui,sans-serif;display:grid;place-items:center;height:100vh;' +
    'margin:0;color:#333;background:#fafafa}main{max-width:32rem;text-align:center}</style>' +
    `</head><body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p></main></body></html>`;
  const headers: Record<string, string | number> = {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-paddock-preview': status === 503 ? 'waiting' : 'refused',
  };
  if (waiting) headers['retry-after'] = RETRY_AFTER_SECONDS;
  res.writeHead(status, headers);
  res.end(body);
}
