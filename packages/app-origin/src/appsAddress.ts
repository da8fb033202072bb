import { isBareOrigin, PaddockError } from '@paddock/shared';

/** A userspace app id: an Ed25519 public key in lower-case base32, 52 characters. */
export const APP_ID_PATTERN = /^[a-z2-7]{52}$/;

/**
 * Where installed web apps are served: `{appId}.{domain}`, one origin per app. The base URL
 * carries the scheme and the public port, e.g. `http://apps.localhost:7070` (the default, on
 * the daemon's own port) or `https://apps.example.com` behind a wildcard DNS record and a TLS
 * proxy. The apps domain itself and every name under it belong to the app origin server: the
 * API and the console are never served there.
 */
export class AppsAddress {
  readonly scheme: 'http' | 'https';
  readonly domain: string;
  /** `:7070`, or empty for the scheme's default port. */
  readonly portSuffix: string;
  private readonly appPattern: RegExp;
  private readonly anyPattern: RegExp;

  constructor(baseUrl: string) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw new PaddockError('bad_request', `PADDOCK_APPS_URL is not a URL: ${baseUrl}`);
    }
    if (
      !isBareOrigin(url) ||
      !/^[a-z0-9.-]+$/.test(url.hostname) ||
      !url.hostname.includes('.') ||
      /^[0-9.]+$/.test(url.hostname)
    ) {
      throw new PaddockError(
        'bad_request',
        'PADDOCK_APPS_URL must be http(s)://domain[:port] with no path (a name with a dot, not an address)',
      );
    }
    this.scheme = url.protocol === 'https:' ? 'https' : 'http';
    this.domain = url.hostname.toLowerCase();
    this.portSuffix = url.port === '' ? '' : `:${url.port}`;
    const escaped = this.domain.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // Host names are case-insensitive; the port of the Host header is not checked, so the
    // same listener works behind a proxy on another port.
    this.appPattern = new RegExp(`^([a-z2-7]{52})\\.${escaped}\\.?(?::\\d{1,5})?$`, 'i');
    this.anyPattern = new RegExp(`^(?:[^:/]+\\.)?${escaped}\\.?(?::\\d{1,5})?$`, 'i');
  }

  /** True for the apps domain itself and any name under it: nothing else is served there. */
  isAppsHost(host: string | undefined): boolean {
    return host !== undefined && this.anyPattern.test(host);
  }

  /** The app a Host header names, or null when it names none. */
  appOf(host: string | undefined): string | null {
    if (host === undefined) return null;
    const m = this.appPattern.exec(host);
    return m ? (m[1] as string).toLowerCase() : null;
  }

  /** The origin of one app's bundle, e.g. `http://{appId}.apps.localhost:7070`. */
  origin(appId: string): string {
    if (!APP_ID_PATTERN.test(appId)) throw new PaddockError('bad_request', 'not an app id');
    return `${this.scheme}://${appId}.${this.domain}${this.portSuffix}`;
  }

  /** Every app's origin as one CSP source, e.g. `http://*.apps.localhost:7070`. */
  frameSource(): string {
    return `${this.scheme}://*.${this.domain}${this.portSuffix}`;
  }

  /** Whether an origin (a console's, as a launch names it) is on the apps domain. */
  ownsOrigin(origin: string): boolean {
    try {
      return this.isAppsHost(new URL(origin).host);
    } catch {
      return false;
    }
  }
}

/**
 * Whether two domains overlap (equal, or one under the other): the apps domain must not share
 * names with the preview domain, or one listener could not tell whose a host is.
 */
export function domainsOverlap(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x === y || x.endsWith(`.${y}`) || y.endsWith(`.${x}`);
}
