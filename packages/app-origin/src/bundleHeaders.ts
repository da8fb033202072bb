import type { ProvenanceTier } from '@paddock/shared';

/** What a bundle's headers are made from, at serve time. */
export interface BundlePolicy {
  tier: ProvenanceTier;
  /** The `network:` origins granted and in force (https only), for `connect-src`. */
  connect: readonly string[];
  /** The console origin that launched the bundle: the one `frame-ancestors` names. */
  ancestor: string;
}

/** An https origin as `network:` capabilities name them: lower-case host, optional port. */
const HTTPS_ORIGIN = /^https:\/\/[a-z0-9.-]+(:\d{1,5})?$/;
/** A console origin: http(s), a host name, IPv4 or bracketed IPv6, optional port. */
const CONSOLE_ORIGIN = /^https?:\/\/([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?$/;

/** The console origin in a form safe for a header, or null when it is not an origin. */
export function consoleOrigin(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  const origin = url.origin;
  return CONSOLE_ORIGIN.test(origin) && value.replace(/\/$/, '') === origin ? origin : null;
}

/**
 * The bundle's Content-Security-Policy, from what the app holds at this moment.
 *
 * - `sandbox allow-scripts` and never `allow-same-origin`: the document's origin is opaque,
 *   so it has no cookies or storage of the apps host and cannot reach any origin's
 *   credentials; nor popups, forms, top navigation or modals.
 * - `script-src 'self'`: only the bundle's own files; CSP's `'self'` is the URL's origin
 *   (the policy's self-origin is taken from the response URL before sandboxing makes the
 *   document opaque; a Chromium test checks the bundle's module script runs). No inline script.
 * - `connect-src` exactly the granted `network:` origins, `'none'` without: not `'self'`, so
 *   an app cannot reach anything the user did not grant.
 * - `img-src 'self' data: blob:`: never `https:` (seed 001: images were an exfiltration
 *   channel while the badge said "Network: none").
 * - The `unknown` tier (no provenance at all) gets stricter rules still: no inline styles, no
 *   `data:`/`blob:` images, no fonts, and never a `connect-src`, whatever was granted.
 */
export function bundleCsp(p: BundlePolicy): string {
  const strict = p.tier === 'unknown';
  const connect = strict ? [] : [...new Set(p.connect.filter((o) => HTTPS_ORIGIN.test(o)))];
  return [
    'sandbox allow-scripts',
    "default-src 'none'",
    "script-src 'self'",
    strict ? "style-src 'self'" : "style-src 'self' 'unsafe-inline'",
    strict ? "img-src 'self'" : "img-src 'self' data: blob:",
    ...(strict ? [] : ["font-src 'self'"]),
    `connect-src ${connect.length > 0 ? connect.join(' ') : "'none'"}`,
    "form-action 'none'",
    "base-uri 'none'",
    "worker-src 'none'",
    `frame-ancestors ${frameAncestor(p.ancestor)}`,
  ].join('; ');
}

/**
 * The CSP of a refusal (a plain-text page): sandboxed with nothing allowed. Framable by the
 * console that launched it when the token said which one, so the window shows the message.
 */
export function refusalCsp(ancestor: string | null): string {
  return [
    'sandbox',
    "default-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
    `frame-ancestors ${ancestor === null ? "'none'" : frameAncestor(ancestor)}`,
  ].join('; ');
}

function frameAncestor(ancestor: string): string {
  return consoleOrigin(ancestor) ?? "'none'";
}

/**
 * Headers every response of an apps host carries besides its CSP.
 *
 * - `Cross-Origin-Resource-Policy: cross-origin`: the page's own origin is opaque, so every
 *   `<img>` or stylesheet it loads from its bundle is a cross-origin request to the apps host;
 *   `same-origin` or `same-site` would block the app's own images and styles (a Chromium test
 *   checks the app's own image loads; with `same-site` it does not). The token in the
 *   path is what authorizes a request, not where it comes from.
 * - `Cross-Origin-Opener-Policy: same-origin`: a bundle opened at top level gets a browsing
 *   context group of its own (no `window.opener` into the console and back). Ignored in an
 *   iframe, so the console can still frame it.
 * - `Access-Control-Allow-Origin: *` without credentials: module scripts and `crossorigin`
 *   assets of the opaque-origin page are CORS requests with `Origin: null`; they are answered
 *   to anyone holding the token, and never with cookies (none are set or read here).
 */
export const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cross-origin-resource-policy': 'cross-origin',
  'cross-origin-opener-policy': 'same-origin',
  'access-control-allow-origin': '*',
};

/** The headers of a bundle file (200, 304) or of a 404 under a valid token. */
export function bundleHeaders(p: BundlePolicy): Record<string, string> {
  return { ...COMMON_HEADERS, 'content-security-policy': bundleCsp(p) };
}

/** The headers of a refusal, before or without a bundle to speak for. */
export function refusalHeaders(ancestor: string | null): Record<string, string> {
  return { ...COMMON_HEADERS, 'content-security-policy': refusalCsp(ancestor) };
}
