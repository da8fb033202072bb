import type http from 'node:http';
import type { ProvenanceTier } from '@paddock/shared';
import type { AppsAddress } from './appsAddress.js';
import { BundleFiles, bundlePath } from './bundleFiles.js';
import { bundleHeaders, refusalHeaders, type BundlePolicy } from './bundleHeaders.js';
import type { BundleClaims, BundleTokens } from './bundleTokens.js';

/** What the daemon knows of an installed web app that is served now. */
export interface AppBundle {
  appId: string;
  /** The version in use. */
  version: number;
  /** That version's installed directory: the only files served. */
  dir: string;
  /** The app's tier now (a pinned key makes it first-party). */
  tier: ProvenanceTier;
  /** The `network:` origins granted and in force for its tier (https origins). */
  connect: string[];
}

/** The daemon's side: the server reaches installed apps and keys only through this. */
export interface AppBundleSource {
  /**
   * The bundle of a web app that runs now (installed, enabled, not trashed, not waiting for
   * its first consent); null for anything else, a service app included.
   */
  bundle(appId: string): Promise<AppBundle | null>;
  /** Whether the key that launched a bundle (an API key id or `admin-token`) is still good. */
  keyActive(keyId: string): Promise<boolean>;
}

export interface AppOriginLog {
  warn(obj: object, msg: string): void;
}

export interface AppOriginOptions {
  /** A function: the default address follows the daemon's port, known once it listens. */
  address: () => AppsAddress;
  tokens: BundleTokens;
  bundles: AppBundleSource;
  log?: AppOriginLog;
}

/** `/t/{token}/{path}`: the token is one path segment, the rest the file's path. */
const BUNDLE_URL = /^\/t\/([A-Za-z0-9_.-]{1,1024})\/([^?#]*)(?:\?.*)?$/;

/**
 * The request handler of every apps host: `{appId}.apps.<domain>` serves that app's installed
 * bundle under `/t/{token}/`, and nothing else is answered on the apps domain (the API, the
 * console, probes: a plain 404). Refusals are small plain-text pages with the same security
 * headers; a token is never echoed or logged.
 */
export class AppOriginServer {
  private readonly files = new BundleFiles();

  constructor(private readonly o: AppOriginOptions) {}

  /** Whether a request is for the apps domain (the apps domain itself, or a name under it). */
  owns(req: http.IncomingMessage): boolean {
    return this.o.address().isAppsHost(req.headers.host);
  }

  /**
   * A request listener that answers apps hosts here and passes everything else to `next`:
   * so nothing on an apps host ever reaches the API.
   */
  wrap(next: http.RequestListener): http.RequestListener {
    return (req, res) => {
      if (!this.owns(req)) {
        next(req, res);
        return;
      }
      this.handle(req, res).catch((err: unknown) => {
        this.o.log?.warn({ err: errorName(err) }, 'app origin request failed');
        if (!res.headersSent) refuse(req, res, 503, null, 'The app is unavailable right now.');
        else res.destroy();
      });
    };
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const appId = this.o.address().appOf(req.headers.host);
    if (appId === null) return refuse(req, res, 404, null, 'Not found.');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return refuse(req, res, 405, null, 'Only GET and HEAD are served here.');
    }
    const m = BUNDLE_URL.exec(req.url ?? '');
    if (!m) return refuse(req, res, 404, null, 'Not found.');
    const claims = await this.o.tokens.verify(m[1] as string, appId);
    if (claims === null) {
      return refuse(
        req,
        res,
        401,
        null,
        'This link is not valid or has expired. Open the app again.',
      );
    }
    const ancestor = claims.ancestor;
    if (!(await this.o.bundles.keyActive(claims.keyId))) {
      return refuse(req, res, 401, ancestor, 'The session that opened this app has ended.');
    }
    const bundle = await this.o.bundles.bundle(appId);
    if (bundle === null) {
      return refuse(
        req,
        res,
        404,
        ancestor,
        'This app is not served (disabled, removed or waiting for consent).',
      );
    }
    if (bundle.version !== claims.version) {
      return refuse(
        req,
        res,
        410,
        ancestor,
        'This app was updated since it was opened. Open it again.',
      );
    }
    await this.serve(req, res, bundle, claims, m[2] as string);
  }

  private async serve(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    bundle: AppBundle,
    claims: BundleClaims,
    rawPath: string,
  ): Promise<void> {
    const policy: BundlePolicy = {
      tier: bundle.tier,
      connect: bundle.connect,
      ancestor: claims.ancestor,
    };
    const headers = bundleHeaders(policy);
    const rel = bundlePath(rawPath);
    const sent = rel === null ? null : await this.files.send(req, res, bundle.dir, rel, headers);
    if (sent === null) plain(req, res, 404, headers, 'Not found.');
  }
}

function refuse(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  ancestor: string | null,
  message: string,
): void {
  plain(req, res, status, refusalHeaders(ancestor), message);
}

/** A small plain-text answer: never HTML, never JSON, never cached. */
function plain(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  headers: Record<string, string>,
  message: string,
): void {
  const body = Buffer.from(`${message}\n`);
  res.writeHead(status, {
    ...headers,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(body.length),
    'cache-control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function errorName(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : 'unknown error';
}
