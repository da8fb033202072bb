import type http from 'node:http';

/**
 * Headers every answer of the console's and the API's hosts carries (preview and apps hosts
 * have their own: their handlers answer before these are set).
 *
 * - A CSP that allows nothing: a JSON answer, a file or an error opened as a page runs no
 *   script, loads nothing and cannot be framed. The console's pages replace it with
 *   `consoleCsp`.
 * - `frame-ancestors 'none'` and `X-Frame-Options: DENY` (for browsers without CSP 2): no
 *   other page frames the console to click through it.
 * - `nosniff`: an answer is only ever what its Content-Type says.
 * - `Referrer-Policy: no-referrer`: a preview or link opened from the console learns nothing
 *   of the console's URL.
 * - `Cross-Origin-Resource-Policy: same-origin`: no other site loads an answer as an image or
 *   a script (only the console, on its own origin, reads the API).
 */
export const API_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * The console's CSP. Vite's built index.html has no inline script or style (one module script
 * and one stylesheet from /assets, a `data:` favicon), and React sets style properties through
 * the CSSOM, which CSP does not govern; so nothing inline is allowed.
 *
 * - `connect-src 'self'`: fetch and the log streams (EventSource) go to /v1 only.
 * - `frame-src`: the windows of installed apps (`{appId}.apps.<base>`) and the build previews
 *   (`{port}-{id}.preview.<base>`), each a wildcard over its own domain, nothing else.
 * - `form-action 'self'`, `base-uri 'none'`, `object-src 'none'`: no form posts elsewhere, no
 *   `<base>` rewriting of the asset URLs, no plugins.
 */
export function consoleCsp(frameSources: readonly string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    `frame-src ${frameSources.length > 0 ? frameSources.join(' ') : "'none'"}`,
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Sets `API_HEADERS` on an answer before its handler runs (a route may still replace one). */
export function withApiHeaders(next: http.RequestListener): http.RequestListener {
  return (req, res) => {
    for (const [name, value] of Object.entries(API_HEADERS)) res.setHeader(name, value);
    next(req, res);
  };
}
