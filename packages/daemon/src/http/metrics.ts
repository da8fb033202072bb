import type { FastifyInstance, FastifyRequest } from 'fastify';
// The route schema's `hide` is @fastify/swagger's: named here so this file checks on its own.
import type {} from '@fastify/swagger';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The daemon's Prometheus metrics, on a registry of its own (no globals, tests stay apart). */
export class DaemonMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'paddock_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly requestSeconds = new Histogram({
    name: 'paddock_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });
  readonly sandboxOps = new Counter({
    name: 'paddock_sandbox_operations_total',
    help: 'Sandbox lifecycle operations by kind and result',
    labelNames: ['op', 'result'] as const,
    registers: [this.registry],
  });
  readonly createSeconds = new Histogram({
    name: 'paddock_sandbox_create_duration_seconds',
    help: 'Time to create a sandbox, by whether the warm pool served it',
    labelNames: ['pooled'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly execs = new Counter({
    name: 'paddock_exec_total',
    help: 'Finished exec calls by final state',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  readonly brokerCalls = new Counter({
    name: 'paddock_broker_calls_total',
    help: 'Capability broker calls by method and outcome (ok, or the refusal code)',
    labelNames: ['method', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly filestoreRequests = new Counter({
    name: 'paddock_filestore_requests_total',
    help: 'Filestore broker operations by op, backend and outcome (ok, or the refusal code)',
    labelNames: ['op', 'backend', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly filestoreAuthErrors = new Counter({
    name: 'paddock_filestore_auth_errors_total',
    help: 'Filestore calls refused for their credential, by whose (sandbox token or key)',
    labelNames: ['caller'] as const,
    registers: [this.registry],
  });
  readonly filestoreUpstreamSeconds = new Histogram({
    name: 'paddock_filestore_upstream_duration_seconds',
    help: 'Time a filestore backend took per operation (to the end of a streamed body)',
    labelNames: ['op', 'backend'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    registers: [this.registry],
  });
  readonly filestoreBytes = new Counter({
    name: 'paddock_filestore_bytes_total',
    help: 'Bytes through the filestore broker, by direction (in: written, out: read)',
    labelNames: ['direction', 'backend'] as const,
    registers: [this.registry],
  });
  readonly sandboxes: Gauge<'status'>;

  constructor(countByStatus: () => Promise<{ status: string; n: number }[]>) {
    collectDefaultMetrics({ register: this.registry, prefix: 'paddock_' });
    this.sandboxes = new Gauge({
      name: 'paddock_sandboxes',
      help: 'Sandboxes by status',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const { status, n } of await countByStatus()) {
          if (status !== 'deleted') this.set({ status }, n);
        }
      },
    });
  }

  /** The request hook of every route, and `GET /metrics` behind `authorize` (it throws). */
  install(app: FastifyInstance, authorize: (request: FastifyRequest) => Promise<void>): void {
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      this.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
      this.requestSeconds.observe({ route }, reply.elapsedTime / 1000);
    });
    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      await authorize(request);
      reply.header('cache-control', 'no-store');
      reply.type(this.registry.contentType);
      return this.registry.metrics();
    });
  }
}
