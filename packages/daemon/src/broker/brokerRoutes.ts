import { Readable } from 'node:stream';
import type {
  FastifyPluginAsyncTypebox,
  TypeBoxTypeProvider,
} from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Broker, BrokerCaller } from '@paddock/broker';
import { BROKER_LIMITS, BrokerRoutes, PaddockError, type AppDataUsage } from '@paddock/shared';
import type { AuditLog } from '../audit/auditLog.js';
import { byteRange } from '../http/byteRange.js';
import { actorOf, requirePrincipal } from '../http/principal.js';
import { callerOf } from '../userspace/index.js';
import type { UserspaceService } from '../userspace/userspaceService.js';
import type { AppData } from './appData.js';
import type { BrokerCallers } from './brokerCallers.js';
import type { NotificationStore } from './notifications.js';

export interface BrokerRoutesOptions {
  broker: Broker;
  /** Runs a data step under the app's data gate, as its version in use (ADR 0024). */
  held: <T>(caller: BrokerCaller, step: () => Promise<T>) => Promise<T>;
  callers: BrokerCallers;
  appData: AppData;
  notifications: NotificationStore;
  userspace: UserspaceService;
  audit: AuditLog;
}

export const brokerRoutes: FastifyPluginAsyncTypebox<BrokerRoutesOptions> = async (app, opts) => {
  const { broker, callers, appData, notifications, held } = opts;

  /** Who calls, from the request's credentials; a call that speaks for no app is audited here. */
  const appCaller = (request: FastifyRequest, method: string): Promise<BrokerCaller> =>
    callers.resolve(request).catch(async (err: unknown) => {
      if (err instanceof PaddockError) {
        await opts.audit
          .record({
            actor: actorOf(request),
            action: 'broker.call',
            outcome: 'denied',
            details: { method, code: err.code, via: null },
          })
          .catch(() => undefined);
      }
      throw err;
    });

  app.route({
    ...BrokerRoutes.call,
    // A file of BROKER_LIMITS.fileBytes in base64, with room for the rest of the call.
    bodyLimit: Math.ceil(BROKER_LIMITS.fileBytes / 3) * 4 + 64 * 1024,
    handler: async (request) => {
      const caller = await appCaller(request, request.body.method);
      const result = await broker.call(caller, request.body.method, request.body.params);
      return { result };
    },
  });

  app.route({
    ...BrokerRoutes.readFile,
    handler: async (request, reply) => {
      const caller = await appCaller(request, 'app.files.read');
      // Opened under the gate; read after it, from the open file (a restore meanwhile
      // replaces the directory, not these bytes).
      const { mime, file } = await broker.run(caller, 'app.files.read', () =>
        held(caller, () => appData.files.open(caller.appId, request.query.path)),
      );
      let range: { start: number; end: number } | null;
      try {
        range = byteRange(request.headers.range, file.size);
      } catch (err) {
        file.close();
        reply.header('content-range', `bytes */${file.size}`);
        throw err;
      }
      // Bytes an app wrote, on the API's origin: never a page, never sniffed into one.
      reply.headers({
        'content-type': mime,
        'content-disposition': 'attachment',
        'content-security-policy': "sandbox; default-src 'none'",
        'x-content-type-options': 'nosniff',
        'accept-ranges': 'bytes',
        'cache-control': 'no-store',
      });
      if (range === null) {
        reply.header('content-length', String(file.size));
        return reply.send(file.stream());
      }
      reply.code(206);
      reply.header('content-range', `bytes ${range.start}-${range.end}/${file.size}`);
      reply.header('content-length', String(range.end - range.start + 1));
      return reply.send(file.stream(range));
    },
  });

  // Raw bytes in, whatever the content type: this route lives in its own context whose only
  // parser hands the body over as a stream, never buffered here.
  await app.register(async (plain) => {
    const raw = plain.withTypeProvider<TypeBoxTypeProvider>();
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    raw.route({
      ...BrokerRoutes.writeFile,
      // The app's quota bounds the body (the write stops as soon as it cannot fit).
      bodyLimit: Number.MAX_SAFE_INTEGER,
      handler: async (request) => {
        const caller = await appCaller(request, 'app.files.write');
        const type = request.headers['content-type'];
        const declared =
          request.query.mime ?? (type && type !== 'application/octet-stream' ? type : undefined);
        return broker.run(caller, 'app.files.write', () =>
          appData.files.writeStream(
            caller.appId,
            { path: request.query.path, mime: declared },
            (request.body as Readable | undefined) ?? emptyStream(),
            // The bytes arrive outside the gate; only the commit waits on a rollback.
            (commit) => held(caller, commit),
          ),
        );
      },
    });
  });

  app.route({
    ...BrokerRoutes.usage,
    handler: async (request): Promise<AppDataUsage> => {
      const row = await opts.userspace.row(callerOf(request), request.params.id);
      const usage = await appData.rows.usage(row.id);
      return { app_id: row.id, ...usage, quota_bytes: appData.quotaOf() };
    },
  });

  app.route({
    ...BrokerRoutes.notifications,
    handler: async (request) => notifications.list(requirePrincipal(request).owner, request.query),
  });

  app.route({
    ...BrokerRoutes.readNotification,
    handler: async (request) =>
      notifications.markRead(requirePrincipal(request).owner, request.params.id),
  });
};

function emptyStream(): Readable {
  return Readable.from([]);
}
