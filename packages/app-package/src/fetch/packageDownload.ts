import dns from 'node:dns/promises';
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { pipeline } from 'node:stream/promises';
import { forbiddenAddress, type ResolveOverrides } from '@paddock/egress';
import { PaddockError } from '@paddock/shared';

export interface DownloadLimits {
  maxBytes: number;
  /** The whole download, redirects included. */
  timeoutMs: number;
  maxRedirects: number;
}

export const DEFAULT_DOWNLOAD_LIMITS: DownloadLimits = {
  maxBytes: 256 * 1024 * 1024,
  timeoutMs: 120_000,
  maxRedirects: 5,
};

export interface DownloadOptions {
  limits?: Partial<DownloadLimits>;
  /** `PADDOCK_EGRESS_RESOLVE`: names tests map to loopback, trusted by design. */
  resolve?: ResolveOverrides;
  /** Extra CAs to trust (tests: a loopback server's certificate). */
  ca?: string | Buffer;
}

/**
 * Fetches a package from a URL without letting the URL reach the host or its networks (SSRF):
 * https only; the name resolved once, every address checked with the egress proxy's rules (no
 * loopback, private, link-local, CGNAT, metadata, multicast, IPv4-mapped or reserved address),
 * and the connection made to that checked address (no second lookup to rebind); each redirect
 * checked the same way; size and time capped. The WHATWG URL parser has already turned
 * decimal, octal and hex spellings of an address into the dotted form checked here.
 */
export async function downloadPackage(
  url: string,
  file: string,
  options: DownloadOptions = {},
): Promise<{ url: string; bytes: number }> {
  const limits = { ...DEFAULT_DOWNLOAD_LIMITS, ...options.limits };
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let current = url;
  for (let hop = 0; ; hop++) {
    const target = await checkedTarget(current, options.resolve);
    const res = await get(target, options.ca, signal);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      if (hop >= limits.maxRedirects) throw refused(url, 'too many redirects');
      current = new URL(res.headers.location, current).toString();
      continue;
    }
    if (status !== 200) {
      res.resume();
      throw new PaddockError('package_fetch_failed', `${current} answered ${status}`, { url });
    }
    const declared = Number(res.headers['content-length'] ?? 0);
    if (declared > limits.maxBytes) {
      res.destroy();
      throw new PaddockError('package_too_large', `${current} is over ${limits.maxBytes} bytes`);
    }
    let bytes = 0;
    res.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > limits.maxBytes) {
        res.destroy(
          new PaddockError('package_too_large', `${current} is over ${limits.maxBytes} bytes`),
        );
      }
    });
    try {
      await pipeline(res, fs.createWriteStream(file, { flags: 'wx', mode: 0o600 }), { signal });
    } catch (err) {
      fs.rmSync(file, { force: true });
      if (err instanceof PaddockError) throw err;
      throw new PaddockError('package_fetch_failed', `fetching ${current} failed`, { url });
    }
    return { url: current, bytes };
  }
}

interface Target {
  url: URL;
  address: string;
  port: number;
}

/** The URL's one address to connect to, checked; or a refusal naming why. */
export async function checkedTarget(raw: string, resolve?: ResolveOverrides): Promise<Target> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refused(raw, 'not a URL');
  }
  if (url.protocol !== 'https:') throw refused(raw, 'only https URLs are fetched');
  if (url.username !== '' || url.password !== '') throw refused(raw, 'credentials in the URL');
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port === '' ? 443 : Number(url.port);
  const override = resolve?.get(host);
  if (override) return { url, address: override.address, port: override.port ?? port };
  let address = host;
  if (net.isIP(host) === 0) {
    const found = await dns.lookup(host, { all: true, verbatim: true }).catch(() => []);
    if (found.length === 0) throw refused(raw, `${host} does not resolve`);
    // Every address must be public: a name must not hide a private one among public ones.
    for (const a of found) {
      const why = forbiddenAddress(a.address);
      if (why !== null) throw refused(raw, `${host} resolves to a ${why}`);
    }
    address = found[0]!.address;
  }
  const why = forbiddenAddress(address);
  if (why !== null) throw refused(raw, `${address} is a ${why}`);
  return { url, address, port };
}

function get(target: Target, ca: string | Buffer | undefined, signal: AbortSignal) {
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = https.get(
      {
        host: target.address,
        port: target.port,
        path: `${target.url.pathname}${target.url.search}`,
        // The certificate and the Host are the name's; the connection is the checked address's.
        servername: net.isIP(target.url.hostname) ? undefined : target.url.hostname,
        headers: { host: target.url.host, 'user-agent': 'paddock' },
        ...(ca === undefined ? {} : { ca }),
        agent: false,
        signal,
      },
      resolve,
    );
    req.on('error', (err) =>
      reject(
        new PaddockError(
          'package_fetch_failed',
          `fetching ${target.url.href} failed: ${err.message}`,
        ),
      ),
    );
  });
}

function refused(url: string, why: string): PaddockError {
  return new PaddockError('package_url_refused', `${url} is not fetched: ${why}`, { url });
}
