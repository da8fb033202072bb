import type { FastifyReply, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { PaddockError, RateLimiter, SessionRoutes } from '@paddock/shared';
import type { RouteInstaller } from '../http/routes.js';
import type { SettingsStore } from '../settings/settingsStore.js';

const SIGN_IN = SessionRoutes.signIn;

function isSignIn(request: FastifyRequest): boolean {
  return request.method === SIGN_IN.method && request.routeOptions.url === SIGN_IN.url;
}

/** Only the API is limited: health probes, the console's files and the docs never are. */
function limitedPath(request: FastifyRequest): boolean {
  const path = request.url.split('?', 1)[0] ?? '';
  return path.startsWith('/v1/') || path === '/mcp';
}

/** A request that carries no credential at all (it is refused 401 unless the path is public). */
function anonymous(request: FastifyRequest): boolean {
  return request.headers.authorization === undefined && request.headers.cookie === undefined;
}

function refuse(reply: FastifyReply, seconds: number, message: string): never {
  void reply.header('retry-after', String(seconds));
  throw new PaddockError('rate_limited', `${message}; retry in ${seconds} s`, {
    retry_after_seconds: seconds,
  });
}

/**
 * The API's rate limits. Per credential (an API key, shared by the console sessions made from
 * it, or a sandbox token) with @fastify/rate-limit on a minute's window, after authentication
 * (preParsing) so it knows the caller; the admin token is not limited (it can change the limits
 * anyway). Per source address, before authentication: requests without a credential, and
 * answers of 401, take from the address's bucket, and an empty one refuses anonymous requests.
 * Sign-in per address at its own lower limit, and refused for an address that failed too
 * often this hour. Settings are read at each request.
 */
export function rateLimitsApi(settings: SettingsStore): RouteInstaller {
  return async (app) => {
    const addresses = new RateLimiter(() => settings.get().rate_limit_address_per_minute);
    const failures = new RateLimiter(
      () => settings.get().rate_limit_sign_in_failures_per_hour,
      Date.now,
      3_600_000,
    );
    await app.register(rateLimit, {
      global: true,
      hook: 'preParsing',
      timeWindow: 60_000,
      keyGenerator: (request) =>
        isSignIn(request) ? `sign-in:${request.ip}` : `key:${request.principal?.keyId ?? ''}`,
      allowList: (request) => {
        if (isSignIn(request)) return false;
        const p = request.principal;
        return (
          !limitedPath(request) ||
          !p ||
          p.keyId === 'admin-token' ||
          settings.get().rate_limit_token_per_minute === 0
        );
      },
      max: (request) => {
        const s = settings.get();
        return isSignIn(request) ? s.rate_limit_sign_in_per_minute : s.rate_limit_token_per_minute;
      },
      errorResponseBuilder: (request, context) => {
        const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
        const who = isSignIn(request)
          ? 'sign-in attempts from this address'
          : 'requests with this credential';
        return new PaddockError(
          'rate_limited',
          `too many ${who}: ${context.max} a minute; retry in ${seconds} s`,
          { limit_per_minute: context.max, retry_after_seconds: seconds },
        );
      },
    });
    // Added before authentication's own hook, so it runs first.
    app.addHook('onRequest', async (request, reply) => {
      if (!limitedPath(request) || isSignIn(request) || !anonymous(request)) return;
      if (settings.get().rate_limit_address_per_minute === 0) return;
      if (addresses.take(request.ip)) return;
      refuse(reply, addresses.retryAfterSeconds(request.ip), 'too many requests from this address');
    });
    // Failed sign-ins: each takes a token from the address's hourly bucket; an empty bucket
    // refuses every attempt from there, right or wrong, until it refills.
    app.addHook('preParsing', async (request, reply) => {
      if (!isSignIn(request)) return;
      const wait = failures.retryAfterSeconds(request.ip);
      if (wait > 0) refuse(reply, wait, 'too many failed sign-ins from this address');
    });
    app.addHook('onResponse', async (request, reply) => {
      if (reply.statusCode !== 401 || !limitedPath(request)) return;
      if (isSignIn(request)) failures.take(request.ip);
      else if (!anonymous(request)) addresses.take(request.ip);
    });
  };
}
