import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import net, { type Socket } from 'node:net';
import { pipeline, type Readable } from 'node:stream';
import tls from 'node:tls';
import zlib from 'node:zlib';
import type { EgressCa } from './egressCa.js';
import { normalizeHost } from './egressRules.js';
import { HeadDeadline } from './headDeadline.js';
import { passOn } from './hopByHop.js';
import { UPSTREAM_IDLE_MS } from './httpRelay.js';
import { RequestLine, endWithClient } from './requestLine.js';
import type { EgressLogger, EgressSandbox, Injection } from './ports.js';
import { SecretMask } from './secretMask.js';

/** A tunnel whose TLS the injector ends: the host it was decided for and where that resolved. */
export interface InjectionTarget {
  sandbox: EgressSandbox;
  host: string;
  address: string;
  port: number;
  /** The port the sandbox asked for, which a rule may name (`port` is where it resolved). */
  askedPort: number;
  /** What the certificate presented to the sandbox names (the host, or `*.domain`). */
  certificateName: string;
}

/** Asked again for every request: the policy and the app's secrets may change while it is open. */
export type Recheck = (
  target: InjectionTarget,
) => Promise<{ ok: true; injections: Injection[] } | { ok: false; reason: string }>;

export interface SecretInjectorOptions {
  ca: EgressCa;
  /** Extra CAs trusted for upstreams besides Node's (PADDOCK_EGRESS_UPSTREAM_CA). */
  upstreamCa?: string;
  recheck: Recheck;
  /** Answers a refused request (the proxy's 403/4xx/5xx with its reason header). */
  refuse: (res: ServerResponse, status: number, reason: string) => void;
  log: EgressLogger;
}

/** How long a client has to start its TLS handshake inside the tunnel. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/** How a terminated upstream's body may come back, and what decodes it. */
const DECODERS: Record<string, () => NodeJS.ReadWriteStream> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

/**
 * Ends a sandbox's TLS for a host that gets a secret injected, with a certificate from the
 * per-install CA, and sends each request inside on over a new, strictly verified TLS
 * connection to the address already decided on, with the secret in its header. Responses come
 * back with every injected value masked (ADR 0011).
 */
export class SecretInjector {
  private readonly server: http.Server;
  private readonly heads: HeadDeadline;
  private readonly targets = new WeakMap<Socket, InjectionTarget>();
  /** Each sandbox's upstream connections, never shared: see HttpRelay. */
  private readonly upstreams = new Map<string, https.Agent>();
  private readonly secureContext: tls.SecureContext | undefined;

  constructor(private readonly o: SecretInjectorOptions) {
    // No request timeout: uploads through a tunnel may take as long as they take.
    const line = new RequestLine((req, res) => {
      this.forward(req, res).catch((err: unknown) => {
        o.log.warn({ err }, 'forwarding a request with a secret failed');
        o.refuse(res, 502, 'the proxy failed');
      });
    });
    this.server = http.createServer({ requestTimeout: 0 }, line.enter);
    this.server.on('clientError', (_err, socket: Socket) => socket.destroy());
    this.heads = new HeadDeadline(this.server);
    // Strict: Node's CA list (plus the configured extra CAs), names checked against the host.
    // One context for every connection, so the pool's key stays short.
    this.secureContext =
      o.upstreamCa === undefined
        ? undefined
        : tls.createSecureContext({ ca: [...tls.rootCertificates, o.upstreamCa] });
  }

  private agentFor(sandboxId: string): https.Agent {
    let agent = this.upstreams.get(sandboxId);
    if (!agent) {
      agent = new https.Agent({
        keepAlive: true,
        timeout: UPSTREAM_IDLE_MS, // idle connections only
        rejectUnauthorized: true,
        ...(this.secureContext ? { secureContext: this.secureContext } : {}),
      });
      this.upstreams.set(sandboxId, agent);
    }
    return agent;
  }

  /** Closes a detached sandbox's upstream connections. */
  forget(sandboxId: string): void {
    this.upstreams.get(sandboxId)?.destroy();
    this.upstreams.delete(sandboxId);
  }

  /** Takes over a CONNECT whose policy allowed it: answers 200, then speaks TLS as the host. */
  async terminate(client: Socket, head: Buffer, target: InjectionTarget): Promise<void> {
    let secureContext: tls.SecureContext;
    try {
      secureContext = await this.o.ca.contextFor(target.certificateName);
    } catch (err) {
      this.o.log.warn({ err, host: target.host }, 'making a certificate for a host failed');
      client.end('HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\n\r\n');
      return;
    }
    if (client.destroyed) return;
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) client.unshift(head);
    const secure = new tls.TLSSocket(client, {
      isServer: true,
      secureContext,
      ALPNProtocols: ['http/1.1'],
    });
    const handshake = setTimeout(() => secure.destroy(), HANDSHAKE_TIMEOUT_MS);
    secure.once('secure', () => clearTimeout(handshake));
    secure.on('error', () => secure.destroy());
    secure.once('close', () => clearTimeout(handshake));
    client.once('close', () => secure.destroy());
    this.targets.set(secure, target);
    this.heads.watch(secure);
    this.server.emit('connection', secure);
  }

  close(): void {
    this.server.close();
    for (const id of [...this.upstreams.keys()]) this.forget(id);
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = this.targets.get(req.socket);
    if (!target) return this.o.refuse(res, 400, 'not a terminated tunnel');
    // Origin-form only: an absolute URL could name another origin behind the same front end,
    // which would then get this host's secret.
    const path = req.url ?? '';
    if (!path.startsWith('/') && !(path === '*' && req.method === 'OPTIONS')) {
      return this.o.refuse(res, 400, 'requests in a tunnel name a path, not a URL');
    }
    // The tunnel was decided for its CONNECT host; a request naming another would pass another
    // host's traffic (and this host's secret) under that decision.
    const named = normalizeHost(
      (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, ''),
    );
    if (named !== target.host) {
      return this.o.refuse(res, 421, `this tunnel is for ${target.host} only`);
    }
    const now = await this.o.recheck(target);
    // Gone while the policy was checked (or its sandbox detached): nothing to send.
    if (req.socket.destroyed) return;
    if (!now.ok) return this.o.refuse(res, 403, now.reason);

    const headers = passOn(req.headers);
    headers.host = target.port === 443 ? target.host : `${target.host}:${target.port}`;
    for (const i of now.injections) headers[i.header] = i.headerValue;
    // Bodies come back whole and uncompressed, so the secrets can be masked in them.
    headers['accept-encoding'] = 'identity';
    delete headers.range;
    const secrets = now.injections.flatMap((i) => [i.secret, ...(i.encoded ?? [])]);

    let upstream: http.ClientRequest;
    try {
      upstream = https.request({
        host: target.address,
        port: target.port,
        servername: net.isIP(target.host) === 0 ? target.host : undefined,
        method: req.method,
        path,
        headers,
        setHost: false,
        agent: this.agentFor(target.sandbox.id),
      });
    } catch {
      // A header value Node will not send (the rule's value was checked when it was saved).
      return this.o.refuse(res, 502, 'the request could not be made');
    }
    upstream.on('response', (up) => this.respond(req, res, up, secrets));
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      const why =
        code.startsWith('ERR_TLS') || /CERT|SELF_SIGNED/.test(code)
          ? `the destination's certificate was refused (${code})`
          : 'the destination did not answer';
      this.o.refuse(res, 502, why);
    });
    res.once('close', () => upstream.destroy());
    endWithClient(req.socket, upstream);
    req.pipe(upstream);
  }

  /** The upstream's answer, with every secret masked in its headers and body. */
  private respond(
    req: IncomingMessage,
    res: ServerResponse,
    up: IncomingMessage,
    secrets: string[],
  ): void {
    const status = up.statusCode ?? 502;
    const mask = new SecretMask(secrets);
    const headers = passOn(up.headers);
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined || typeof value === 'number') continue;
      headers[name] = Array.isArray(value) ? value.map((v) => mask.text(v)) : mask.text(value);
    }
    const hasBody = req.method !== 'HEAD' && status !== 204 && status !== 304;
    const encoding = String(up.headers['content-encoding'] ?? 'identity').toLowerCase();
    const decoder = hasBody ? DECODERS[encoding] : undefined;
    if (hasBody && !decoder && encoding !== 'identity') {
      up.resume();
      return this.o.refuse(res, 502, `the destination answered with ${encoding} encoding`);
    }
    if (decoder) {
      // Sent compressed although asked not to: decoded here, passed on as it decodes.
      delete headers['content-encoding'];
      delete headers['content-length'];
    }
    res.writeHead(status, headers);
    const stages: (Readable | NodeJS.ReadWriteStream)[] = [up];
    if (decoder) stages.push(decoder());
    stages.push(mask);
    // Any failure on the way (a cut upstream, a bad gzip) ends this response, never the daemon.
    pipeline([...stages, res] as unknown as [Readable, NodeJS.WritableStream], (err) => {
      if (err) res.destroy();
    });
  }
}
