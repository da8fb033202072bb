import dns from 'node:dns/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type Server, type Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { CONTROL_PLANE_HOST, type SandboxDriver } from '@paddock/shared';
import type { Injection } from '../appConfig/appConfigService.js';
import type { AuditLog, AuditRecord } from '../audit/auditLog.js';
import type { EventLog } from '../events/eventLog.js';
import type { SandboxRow } from '../sandboxes/sandboxStore.js';
import { certificateName, type EgressCa } from './egressCa.js';
import { forbiddenAddress, isLoopback, type ResolveOverrides } from './egressAddress.js';
import { decideHost, hostMatches, normalizeHost } from './egressRules.js';
import { HttpRelay, type RelayTarget } from './httpRelay.js';
import { RequestLine } from './requestLine.js';
import { SecretInjector, type InjectionTarget } from './secretInjector.js';

export interface EgressProxyOptions {
  driver: SandboxDriver;
  /** The policy that applies to a sandbox (its app's, or its own when standalone). */
  policyFor: (row: SandboxRow) => Promise<{ allow: string[]; deny: string[] }>;
  /** Secrets to put into requests from this sandbox, with the hosts they are for. */
  injectionsFor: (row: SandboxRow) => Promise<Injection[]>;
  /** Terminates TLS for hosts that get a secret injected (and no others). */
  ca: EgressCa;
  /** Extra CAs trusted for upstreams, besides Node's (PADDOCK_EGRESS_UPSTREAM_CA); tests use it. */
  upstreamCa?: string;
  overrides: ResolveOverrides;
  /** The daemon's own port: never a destination, not even through an override. */
  daemonPort: () => number;
  /** Where the daemon's API listens, for requests to CONTROL_PLANE_HOST. */
  controlPlane: () => { host: string; port: number };
  /** How many connections one sandbox may hold open through the proxy (a setting). */
  connectionsMax: () => number;
  events: EventLog;
  audit: AuditLog;
  log: FastifyBaseLogger;
}

type Decision =
  | { ok: true; address: string; port: number; rule: string }
  | { ok: false; reason: string; rule: string | null };

/** The header that says why the proxy refused a request. */
export const DENIED_HEADER = 'x-paddock-egress-denied';
/** One event and one audit entry per sandbox, host and decision per this long. */
const RECORD_EVERY_MS = 60_000;

/**
 * The daemon's egress proxy. Each running sandbox gets its own listener (the driver's
 * serveEgress: 127.0.0.1:3128 in the sandbox's own network namespace), which is how the proxy
 * knows who asks. Plain HTTP is forwarded, HTTPS passes as a CONNECT tunnel, ended here
 * only for hosts that get a secret injected (SecretInjector). The host name is decided on
 * before any lookup; then loopback, private, link-local and metadata addresses are refused,
 * unless PADDOCK_EGRESS_RESOLVE maps the name to loopback (development and tests), and never
 * the daemon's own port. CONTROL_PLANE_HOST goes to the daemon's API whatever the policy.
 */
export class EgressProxy {
  private readonly servers = new Map<string, Server>();
  private readonly sandboxOf = new WeakMap<Socket, SandboxRow>();
  private readonly http: http.Server;
  private readonly recorded = new Map<string, number>();
  /** Bumped by every attach and detach, so a slow attach cannot install a stale socket. */
  private readonly generations = new Map<string, number>();
  private closed = false;
  private readonly open = new Map<string, Set<Socket>>();
  private readonly attaching = new Map<string, Promise<void>>();
  private readonly injector: SecretInjector;
  /** Each attached sandbox's plain-HTTP connections. */
  private readonly relays = new Map<string, HttpRelay>();

  constructor(private readonly o: EgressProxyOptions) {
    // No request timeout: a long upload through the proxy is as legitimate as a direct one.
    const line = new RequestLine((req, res) => {
      this.forward(req, res).catch((err: unknown) =>
        this.failed(err, () => refuse(res, 502, 'the proxy failed')),
      );
    });
    this.http = http.createServer({ requestTimeout: 0 }, line.enter);
    this.http.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      this.tunnel(req, socket, head).catch((err: unknown) =>
        this.failed(err, () => socket.destroy()),
      );
    });
    this.http.on('clientError', (_err, socket: Socket) => socket.destroy());
    this.injector = new SecretInjector({
      ca: o.ca,
      ...(o.upstreamCa === undefined ? {} : { upstreamCa: o.upstreamCa }),
      recheck: (target) => this.recheck(target),
      refuse,
      log: o.log,
    });
  }

  /**
   * Offers the proxy to a running sandbox (again after a restart of either). Attaches of one
   * sandbox run one after another: two at once would both want its one port. A failure is an
   * event too: the sandbox has no way out until it restarts.
   */
  attach(row: SandboxRow): Promise<void> {
    const previous = this.attaching.get(row.id) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() => this.attachNow(row))
      .catch(async (err: unknown) => {
        await this.o.events
          .append({
            owner: row.owner_id,
            sandboxId: row.id,
            type: 'egress.unavailable',
            severity: 'warn',
            message: 'The egress proxy could not be offered to this sandbox; restart it',
            payload: { reason: err instanceof Error ? err.message : String(err) },
          })
          .catch(() => undefined);
        throw err;
      });
    this.attaching.set(row.id, next);
    const settled = () => {
      if (this.attaching.get(row.id) === next) this.attaching.delete(row.id);
    };
    next.then(settled, settled);
    return next;
  }

  private async attachNow(row: SandboxRow): Promise<void> {
    this.detach(row.id);
    const generation = (this.generations.get(row.id) ?? 0) + 1;
    this.generations.set(row.id, generation);
    const server = await this.o.driver.serveEgress(row.id, (socket) => {
      let open = this.open.get(row.id);
      if (!open) this.open.set(row.id, (open = new Set()));
      // Each connection costs the daemon a descriptor or two, from a budget every sandbox and
      // the API share: one sandbox must not spend it all.
      const max = this.o.connectionsMax();
      if (open.size >= max) {
        refuseConnection(socket, 'too many connections');
        this.recordLimit(row, max);
        return;
      }
      this.sandboxOf.set(socket, row);
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      this.http.emit('connection', socket);
    });
    // Detached, attached again or closed while the socket was being made: this one is stale.
    if (this.closed || this.generations.get(row.id) !== generation) {
      server.close();
      return;
    }
    this.servers.set(row.id, server);
    this.relays.set(row.id, new HttpRelay());
  }

  /** Stops offering the proxy and cuts the sandbox's open connections (their tunnels close too). */
  detach(id: string): void {
    this.generations.set(id, (this.generations.get(id) ?? 0) + 1);
    this.servers.get(id)?.close();
    this.servers.delete(id);
    for (const socket of this.open.get(id) ?? []) socket.destroy();
    this.open.delete(id);
    this.relays.get(id)?.close();
    this.relays.delete(id);
    this.injector.forget(id);
  }

  close(): void {
    this.closed = true;
    for (const id of [...this.servers.keys()]) this.detach(id);
    this.http.close();
    this.injector.close();
  }

  private relay(row: SandboxRow, req: IncomingMessage, res: ServerResponse, to: RelayTarget): void {
    const relay = this.relays.get(row.id);
    if (!relay) return refuse(res, 502, 'the sandbox is no longer attached');
    relay.send(req, res, to, () => refuse(res, 502, 'the destination did not answer'));
  }

  private failed(err: unknown, answer: () => void): void {
    this.o.log.warn({ err }, 'the egress proxy failed a request');
    answer();
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const row = this.sandboxOf.get(req.socket);
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      return refuse(res, 400, 'not a proxy request (absolute http:// URL expected)');
    }
    if (!row || url.protocol !== 'http:') {
      return refuse(res, 400, 'only http:// URLs here; use CONNECT for https');
    }
    const path = `${url.pathname}${url.search}`;
    if (normalizeHost(url.hostname) === CONTROL_PLANE_HOST) {
      // The sandbox's way to the daemon's API: the API authenticates each call (a sandbox
      // token reaches only its own sandbox's routes that opt in).
      const target = this.o.controlPlane();
      return this.relay(row, req, res, { ...target, path, host_header: CONTROL_PLANE_HOST });
    }
    const decision = await this.decide(row, url.hostname, Number(url.port || 80));
    if (!decision.ok) return refuse(res, 403, decision.reason);
    this.relay(row, req, res, {
      host: decision.address,
      port: decision.port,
      path,
      host_header: url.host,
    });
  }

  private async tunnel(req: IncomingMessage, client: Socket, head: Buffer): Promise<void> {
    const row = this.sandboxOf.get(client);
    const m = /^([^:[\]]+|\[[0-9a-f:]+\]):(\d{1,5})$/i.exec(req.url ?? '');
    if (!row || !m) {
      client.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
      return;
    }
    const host = normalizeHost(m[1]!.replace(/^\[|\]$/g, ''));
    const port = Number(m[2]);
    if (host === CONTROL_PLANE_HOST && port === 80) {
      // Clients that tunnel plain HTTP too (undici's ProxyAgent, so Node's fetch) reach the API
      // the same way.
      const target = this.o.controlPlane();
      return pipeTunnel(client, head, target.host, target.port);
    }
    const decision = await this.decideFor(row, host, port);
    const injections = decision.ok ? await this.injectionsFor(row, host) : [];
    this.record(row, host, port, decision, injections);
    if (!decision.ok) {
      client.end(
        `HTTP/1.1 403 Forbidden\r\n${DENIED_HEADER}: ${decision.reason}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`,
      );
      return;
    }
    if (injections.length > 0) {
      const patterns = injections.flatMap((i) => i.hosts);
      const target: InjectionTarget = {
        row,
        host,
        address: decision.address,
        port: decision.port,
        certificateName: certificateName(host, patterns),
      };
      return this.injector.terminate(client, head, target);
    }
    pipeTunnel(client, head, decision.address, decision.port);
  }

  /** Injections whose rule names this host. */
  private async injectionsFor(row: SandboxRow, host: string): Promise<Injection[]> {
    const all = await this.o.injectionsFor(row);
    return all.filter((i) => i.hosts.some((pattern) => hostMatches(host, pattern)));
  }

  /**
   * Each request in a terminated tunnel is held to the policy and secrets of now, not of when
   * the tunnel opened (both cached until they change); the address stays the one decided on.
   */
  private async recheck(
    target: InjectionTarget,
  ): Promise<{ ok: true; injections: Injection[] } | { ok: false; reason: string }> {
    const byName = decideHost(target.host, await this.o.policyFor(target.row));
    if (!byName.allowed)
      return { ok: false, reason: byName.rule ? 'denied by rule' : 'not allowed' };
    return { ok: true, injections: await this.injectionsFor(target.row, target.host) };
  }

  /** The name first (no lookup for a refused one), then where it resolves. */
  private async decide(row: SandboxRow, rawHost: string, port: number): Promise<Decision> {
    const host = normalizeHost(rawHost);
    const decision = await this.decideFor(row, host, port);
    this.record(row, host, port, decision);
    return decision;
  }

  private async decideFor(row: SandboxRow, host: string, port: number): Promise<Decision> {
    if (net.isIP(host) !== 0) return { ok: false, reason: 'address literal', rule: null };
    const byName = decideHost(host, await this.o.policyFor(row));
    if (!byName.allowed) {
      return {
        ok: false,
        reason: byName.rule ? 'denied by rule' : 'not allowed',
        rule: byName.rule,
      };
    }
    const rule = byName.rule!;
    const mapped = this.o.overrides.get(host);
    if (mapped) {
      const target = { address: mapped.address, port: mapped.port ?? port };
      if (isLoopback(target.address) && target.port === this.o.daemonPort()) {
        return { ok: false, reason: 'the daemon itself', rule };
      }
      const why = isLoopback(target.address) ? null : forbiddenAddress(target.address);
      if (why !== null) return { ok: false, reason: why, rule };
      return { ok: true, ...target, rule };
    }
    let addresses: { address: string }[];
    try {
      addresses = await dns.lookup(host, { all: true, verbatim: true });
    } catch {
      return { ok: false, reason: 'cannot resolve', rule };
    }
    // Every answer must be public: a name that resolves to a private address among public ones
    // is refused, not filtered (DNS rebinding).
    for (const a of addresses) {
      const why = forbiddenAddress(a.address);
      if (why !== null) return { ok: false, reason: why, rule };
    }
    const first = addresses[0];
    if (!first) return { ok: false, reason: 'cannot resolve', rule };
    return { ok: true, address: first.address, port, rule };
  }

  private recordLimit(row: SandboxRow, max: number): void {
    if (!this.firstInWindow(`${row.id} connection limit`)) return;
    const reason = `more than ${max} connections open at once (egress_connections_max)`;
    this.audit(row, 'denied', { decision: 'denied', reason });
    void this.o.events
      .append({
        owner: row.owner_id,
        sandboxId: row.id,
        type: 'egress.limited',
        severity: 'warn',
        message: `Egress connections refused: ${reason}`,
        payload: { reason, limit: max },
      })
      .catch(this.recordFailed);
  }

  /** True once per key per RECORD_EVERY_MS: what is recorded of a flood is its first. */
  private firstInWindow(key: string): boolean {
    const now = Date.now();
    if (now - (this.recorded.get(key) ?? 0) < RECORD_EVERY_MS) return false;
    this.recorded.set(key, now);
    if (this.recorded.size > 10_000) this.recorded.clear();
    return true;
  }

  private readonly recordFailed = (err: unknown) =>
    this.o.log.warn({ err }, 'recording an egress decision failed');

  private audit(
    row: SandboxRow,
    outcome: 'ok' | 'denied',
    details: NonNullable<AuditRecord['details']>,
  ): void {
    void this.o.audit
      .record({
        actor: { owner: row.owner_id, keyId: `sandbox:${row.id}` },
        action: 'egress',
        target: { type: 'sandbox', id: row.id },
        outcome,
        details,
      })
      .catch(this.recordFailed);
  }

  private record(
    row: SandboxRow,
    host: string,
    port: number,
    d: Decision,
    injections: Injection[] = [],
  ): void {
    if (!this.firstInWindow(`${row.id} ${host}:${port} ${d.ok} ${injections.length}`)) return;
    const details = {
      host,
      port,
      decision: d.ok ? 'allowed' : 'denied',
      rule: d.rule,
      // The keys whose values go into the requests; never the values.
      ...(injections.length > 0 ? { injected: injections.map((i) => i.key) } : {}),
    };
    this.audit(row, d.ok ? 'ok' : 'denied', d.ok ? details : { ...details, reason: d.reason });
    if (!d.ok) {
      void this.o.events
        .append({
          owner: row.owner_id,
          sandboxId: row.id,
          type: 'egress.denied',
          severity: 'warn',
          message: `Egress to ${host}:${port} refused: ${d.reason}`,
          payload: { ...details, reason: d.reason },
        })
        .catch(this.recordFailed);
    }
  }
}

/** A CONNECT answered once the destination accepted, then bytes both ways until either ends. */
function pipeTunnel(client: Socket, head: Buffer, address: string, port: number): void {
  // Relayed bytes go out at once: Nagle would hold a small write back until the last is acked.
  client.setNoDelay(true);
  const upstream = net.connect({ port, host: address, noDelay: true }, () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  upstream.on('error', () => {
    if (!client.destroyed) client.end('HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\n\r\n');
    close();
  });
  client.on('error', close);
  client.once('close', close);
  upstream.once('close', close);
}

/** How long a refused connection may take to read its 503 and close. */
const REFUSED_LINGER_MS = 2_000;

/** A 503 written straight onto a connection the proxy will not serve, then closed. */
function refuseConnection(socket: Socket, reason: string): void {
  socket.on('error', () => socket.destroy());
  // Read (and drop) what the client sent, or its end never arrives and the socket stays open;
  // and close it after REFUSED_LINGER_MS whatever it does (an idle timeout would be reset by
  // every byte a client trickles in).
  socket.resume();
  const linger = setTimeout(() => socket.destroy(), REFUSED_LINGER_MS);
  socket.once('close', () => clearTimeout(linger));
  const body = `paddock egress: ${reason}\n`;
  socket.end(
    'HTTP/1.1 503 Service Unavailable\r\n' +
      'content-type: text/plain; charset=utf-8\r\n' +
      `${DENIED_HEADER}: ${reason}\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      'connection: close\r\n\r\n' +
      body,
  );
}

function refuse(res: ServerResponse, status: number, reason: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    ...(status === 403 ? { [DENIED_HEADER]: reason } : {}),
    connection: 'close',
  });
  res.end(`paddock egress: ${reason}\n`);
}
