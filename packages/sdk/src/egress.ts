import { ROUTES } from './routeTable.js';
import type { BodyOf, ReplyOf } from './routeTypes.js';
import type { Transport } from './transport.js';

type Signal = { signal?: AbortSignal };
export type EgressPolicy = ReplyOf<typeof ROUTES.egress.sandboxPolicy>;
export type EgressLists = BodyOf<typeof ROUTES.egress.setSandboxPolicy>;

const ROUTE_SETS = {
  sandbox: {
    get: ROUTES.egress.sandboxPolicy,
    set: ROUTES.egress.setSandboxPolicy,
    denials: ROUTES.egress.sandboxDenials,
  },
  app: {
    get: ROUTES.egress.appPolicy,
    set: ROUTES.egress.setAppPolicy,
    denials: ROUTES.egress.appDenials,
  },
} as const;

/**
 * Where a sandbox's or an app's programs may connect: the manifest's baseline plus its own allow
 * and deny lists (host patterns), and the refusals so far.
 */
export class Egress {
  private readonly routes: (typeof ROUTE_SETS)[keyof typeof ROUTE_SETS];

  constructor(
    private readonly transport: Transport,
    kind: 'sandbox' | 'app',
    readonly id: string,
  ) {
    this.routes = ROUTE_SETS[kind];
  }

  get(options: Signal = {}): Promise<EgressPolicy> {
    return this.transport.call(this.routes.get, {
      params: { id: this.id },
      signal: options.signal,
    });
  }

  /** Replaces the allow and deny lists (the manifest's baseline stays). */
  set(lists: EgressLists, options: Signal = {}): Promise<EgressPolicy> {
    return this.transport.call(this.routes.set, {
      params: { id: this.id },
      body: lists,
      signal: options.signal,
    });
  }

  /** Adds hosts to the allow list (and takes them off the deny list). */
  async allow(hosts: string[], options: Signal = {}): Promise<EgressPolicy> {
    const now = await this.get(options);
    const deny = now.deny.filter((h) => !hosts.includes(h));
    return this.set({ allow: [...new Set([...now.allow, ...hosts])], deny }, options);
  }

  /** Adds hosts to the deny list (and takes them off the allow list). */
  async deny(hosts: string[], options: Signal = {}): Promise<EgressPolicy> {
    const now = await this.get(options);
    const allow = now.allow.filter((h) => !hosts.includes(h));
    return this.set({ allow, deny: [...new Set([...now.deny, ...hosts])] }, options);
  }

  /** The latest refused requests (newest kept by the daemon). */
  denials(options: Signal = {}): Promise<ReplyOf<typeof ROUTES.egress.sandboxDenials>> {
    return this.transport.call(this.routes.denials, {
      params: { id: this.id },
      signal: options.signal,
    });
  }
}
