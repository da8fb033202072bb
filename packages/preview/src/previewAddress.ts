import { PaddockError } from '@paddock/shared';

/**
 * Where previews are served: `{port}-{sandboxId}.{domain}`. The base URL carries the scheme and
 * the public port, e.g. `http://preview.localhost:7070` (the default, on the daemon's own
 * port) or `https://preview.example.com` behind a wildcard DNS record and a TLS proxy.
 */
export class PreviewAddress {
  readonly scheme: 'http' | 'https';
  readonly domain: string;
  /** `:7070`, or empty for the scheme's default port. */
  readonly portSuffix: string;
  private readonly hostPattern: RegExp;

  constructor(baseUrl: string) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw new PaddockError('bad_request', `PADDOCK_PREVIEW_URL is not a URL: ${baseUrl}`);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname !== '/') {
      throw new PaddockError(
        'bad_request',
        'PADDOCK_PREVIEW_URL must be http(s)://domain[:port] with no path',
      );
    }
    this.scheme = url.protocol === 'https:' ? 'https' : 'http';
    this.domain = url.hostname.toLowerCase();
    this.portSuffix = url.port === '' ? '' : `:${url.port}`;
    const escaped = this.domain.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // Host names are case-insensitive; the port part of the Host header is not checked, so the
    // same listener works behind a proxy on another port.
    this.hostPattern = new RegExp(`^(\\d{1,5})-(sb[0-9a-z]{26})\\.${escaped}(?::\\d{1,5})?$`, 'i');
  }

  /** The preview target named by a Host header, or null when the host is not a preview's. */
  parseHost(host: string | undefined): { port: number; sandboxId: string } | null {
    if (host === undefined) return null;
    const m = this.hostPattern.exec(host);
    if (!m) return null;
    const port = Number(m[1]);
    if (port < 1 || port > 65535) return null;
    return { port, sandboxId: (m[2] as string).toLowerCase() };
  }

  /** Every preview's origin as one CSP source, e.g. `http://*.preview.localhost:7070`. */
  frameSource(): string {
    return `${this.scheme}://*.${this.domain}${this.portSuffix}`;
  }

  origin(port: number, sandboxId: string): string {
    return `${this.scheme}://${port}-${sandboxId}.${this.domain}${this.portSuffix}`;
  }
}
