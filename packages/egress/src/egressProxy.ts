import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Server, Socket } from 'node:net';
import { CONTROL_PLANE_HOST } from '@paddock/shared';
import { certificateName, type EgressCa } from './egressCa.js';
import type { ResolveOverrides } from './egressAddress.js';
import { EgressRecorder } from './egressRecorder.js';
import { decideHost, hostMatches, normalizeHost } from './egressRules.js';
import { decideDestination, refusedBecause, type Decision } from './destination.js';
import { HeadDeadline } from './headDeadline.js';
import { HttpRelay, type RelayTarget } from './httpRelay.js';
import { pipeTunnel } from './pipeTunnel.js';
import type {
  EgressAuditSink,
  EgressDenialSink,
  EgressEventSink,
  EgressListeners,
  EgressLogger,
  EgressSandbox,
  HostRules,
  Injection,
} from './ports.js';
import { refuse, refuseConnection, refuseTunnel } from './refusals.js';
import { RequestLine } from './requestLine.js';
import { SecretInjector, type InjectionTarget } from './secretInjector.js';

export interface EgressProxyOptions {
  /** Gives each sandbox its own listener (the daemon's driver). */
  driver: EgressListeners;
  /** The policy that applies to a sandbox (its app's, or its own when standalone). */
  policyFor: (sandbox: EgressSandbox) => Promise<HostRules>;
  /** Secrets to put into requests from this sandbox, with the hosts they are for. */
  injectionsFor: (sandbox: EgressSandbox) => Promise<Injection[]>;
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
  events: EgressEventSink;
  audit: EgressAuditSink;
  log: EgressLogger;
  /** Every refusal, unsampled: the live feed of denials, and each one's audit entry. */
  denials: EgressDenialSink;
}

/**
 * The egress proxy. Each running sandbox gets its own listener (the driver's serveEgress:
 * 127.0.0.1:3128 in the sandbox's own network namespace), which is how the proxy knows who
 * asks. Plain HTTP is forwarded, HTTPS passes as a CONNECT tunnel, ended here only for hosts
 * that get a secret injected (SecretInjector). The host name is decided on before any lookup
 * (decideDestination). CONTROL_PLANE_HOST goes to the daemon's API whatever the policy.
 */
export class EgressProxy {
  private readonly servers = new Map<string, Server>();
  private readonly sandboxOf = new WeakMap<Socket, EgressSandbox>();
  private readonly http: http.Server;
  private readonly heads: HeadDeadline;
  private readonly recorder: EgressRecorder;
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
    this.heads = new HeadDeadline(this.http);
    this.recorder = new EgressRecorder({
      events: o.events,
      audit: o.audit,
      log: o.log,
      denials: o.denials,
    });
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
  attach(sandbox: EgressSandbox): Promise<void> {
    const previous = this.attaching.get(sandbox.id) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() => this.attachNow(sandbox))
      .catch(async (err: unknown) => {
        await this.recorder.unavailable(sandbox, err);
        throw err;
      });
    this.attaching.set(sandbox.id, next);
    const settled = () => {
      if (this.attaching.get(sandbox.id) === next) this.attaching.delete(sandbox.id);
    };
    next.then(settled, settled);
    return next;
  }

  private async attachNow(sandbox: EgressSandbox): Promise<void> {
    this.detach(sandbox.id);
    const generation = (this.generations.get(sandbox.id) ?? 0) + 1;
    this.generations.set(sandbox.id, generation);
    const server = await this.o.driver.serveEgress(sandbox.id, (socket) =>
      this.accept(sandbox, socket),
    );
    // Detached, attached again or closed while the socket was being made: this one is stale.
    if (this.closed || this.generations.get(sandbox.id) !== generation) {
      server.close();
      return;
    }
    this.servers.set(sandbox.id, server);
    this.relays.set(sandbox.id, new HttpRelay());
  }

  /** A connection from a sandbox, served unless it already holds its share of them. */
  private accept(sandbox: EgressSandbox, socket: Socket): void {
    let open = this.open.get(sandbox.id);
    if (!open) this.open.set(sandbox.id, (open = new Set()));
    // Each connection costs the daemon a descriptor or two, from a budget every sandbox and
    // the API share: one sandbox must not spend it all.
    const max = this.o.connectionsMax();
    if (open.size >= max) {
      refuseConnection(socket, 'too many connections');
      this.recorder.connectionLimit(sandbox, max);
      return;
    }
    this.sandboxOf.set(socket, sandbox);
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    this.heads.watch(socket);
    this.http.emit('connection', socket);
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
    this.recorder.close();
  }

  private relay(
    sandbox: EgressSandbox,
    req: IncomingMessage,
    res: ServerResponse,
    to: RelayTarget,
  ): void {
    const relay = this.relays.get(sandbox.id);
    if (!relay) return refuse(res, 502, 'the sandbox is no longer attached');
    relay.send(req, res, to, () => refuse(res, 502, 'the destination did not answer'));
  }

  private failed(err: unknown, answer: () => void): void {
    this.o.log.warn({ err }, 'the egress proxy failed a request');
    answer();
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const sandbox = this.sandboxOf.get(req.socket);
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      return refuse(res, 400, 'not a proxy request (absolute http:// URL expected)');
    }
    if (!sandbox || url.protocol !== 'http:') {
      return refuse(res, 400, 'only http:// URLs here; use CONNECT for https');
    }
    const path = `${url.pathname}${url.search}`;
    const host = normalizeHost(url.hostname);
    if (host === CONTROL_PLANE_HOST) {
      // The sandbox's way to the daemon's API: the API authenticates each call (a sandbox
      // token reaches only its own sandbox's routes that opt in).
      const target = this.o.controlPlane();
      return this.relay(sandbox, req, res, { ...target, path, host_header: CONTROL_PLANE_HOST });
    }
    const port = Number(url.port || 80);
    if (port === 0) return refuse(res, 400, 'port 0 is no destination');
    const decision = await this.decide(sandbox, host, port);
    this.recorder.decision(sandbox, host, port, decision);
    if (!decision.ok) return refuse(res, 403, decision.reason);
    this.relay(sandbox, req, res, {
      host: decision.address,
      port: decision.port,
      path,
      host_header: url.host,
    });
  }

  private async tunnel(req: IncomingMessage, client: Socket, head: Buffer): Promise<void> {
    const sandbox = this.sandboxOf.get(client);
    const m = /^([^:[\]]+|\[[0-9a-f:]+\]):(\d{1,5})$/i.exec(req.url ?? '');
    if (!sandbox || !m) return refuseTunnel(client, 400);
    const host = normalizeHost(m[1]!.replace(/^\[|\]$/g, ''));
    const port = Number(m[2]);
    if (port < 1 || port > 65_535) return refuseTunnel(client, 400);
    if (host === CONTROL_PLANE_HOST && port === 80) {
      // Clients that tunnel plain HTTP too (undici's ProxyAgent, so Node's fetch) reach the API
      // the same way.
      const target = this.o.controlPlane();
      return pipeTunnel(client, head, target.host, target.port);
    }
    const decision = await this.decide(sandbox, host, port);
    const injections = decision.ok ? await this.injectionsFor(sandbox, host) : [];
    this.recorder.decision(sandbox, host, port, decision, injections);
    if (!decision.ok) return refuseTunnel(client, 403, decision.reason);
    if (injections.length > 0) {
      const patterns = injections.flatMap((i) => i.hosts);
      const target: InjectionTarget = {
        sandbox,
        host,
        address: decision.address,
        port: decision.port,
        askedPort: port,
        certificateName: certificateName(host, patterns),
      };
      return this.injector.terminate(client, head, target);
    }
    pipeTunnel(client, head, decision.address, decision.port);
  }

  private async decide(sandbox: EgressSandbox, host: string, port: number): Promise<Decision> {
    return decideDestination(host, port, await this.o.policyFor(sandbox), this.o);
  }

  /** Injections whose rule names this host. */
  private async injectionsFor(sandbox: EgressSandbox, host: string): Promise<Injection[]> {
    const all = await this.o.injectionsFor(sandbox);
    return all.filter((i) => i.hosts.some((pattern) => hostMatches(host, pattern)));
  }

  /**
   * Each request in a terminated tunnel is held to the policy and secrets of now, not of when
   * the tunnel opened (both cached until they change); the address stays the one decided on.
   */
  private async recheck(
    target: InjectionTarget,
  ): Promise<{ ok: true; injections: Injection[] } | { ok: false; reason: string }> {
    const byName = decideHost(
      target.host,
      target.askedPort,
      await this.o.policyFor(target.sandbox),
    );
    if (!byName.allowed) return { ok: false, reason: refusedBecause(byName.rule) };
    return { ok: true, injections: await this.injectionsFor(target.sandbox, target.host) };
  }
}
