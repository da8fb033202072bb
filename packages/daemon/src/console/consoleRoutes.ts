import fs from 'node:fs';
import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import fastifyStatic from '@fastify/static';

export interface ConsoleRoutesOptions {
  /** The built SPA (index.html and assets/); absent when the console was not built. */
  distDir: string;
  /** The console's Content-Security-Policy (its frame sources follow the daemon's port). */
  csp: () => string;
}

/**
 * Serves the console SPA at `/`. It is static and talks only to /v1, so it needs nothing of
 * the daemon but these files; client-side routes fall back to index.html.
 */
export const consoleRoutes: FastifyPluginAsync<ConsoleRoutesOptions> = async (app, opts) => {
  const index = path.join(opts.distDir, 'index.html');
  if (!fs.existsSync(index)) {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type('text/plain; charset=utf-8')
        .send('The console is not built. Run `npm run build` in the Paddock checkout.\n'),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: opts.distDir,
    prefix: '/',
    index: ['index.html'],
    // Hashed asset names can be cached for good; index.html must always be fresh.
    setHeaders: (reply, file) => {
      const asset = file.includes(`${path.sep}assets${path.sep}`);
      reply.header('cache-control', asset ? 'public, max-age=31536000, immutable' : 'no-cache');
      // The pages get the console's policy; every other file keeps the API's (nothing allowed).
      if (file.endsWith('.html')) reply.header('content-security-policy', opts.csp());
    },
    schemaHide: true,
    // One route per built file rather than a catch-all, so unknown paths stay the API's 404s.
    wildcard: false,
  });
  // The SPA's own routes (History API) load the shell; it routes on the client.
  for (const url of ['/apps/*', '/desktop', '/desktop/*', '/instance', '/instance/*']) {
    app.get(url, { schema: { hide: true } }, (_request, reply) =>
      reply
        .header('cache-control', 'no-cache')
        .header('content-security-policy', opts.csp())
        .sendFile('index.html'),
    );
  }
};
