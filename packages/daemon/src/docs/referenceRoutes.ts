import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';

/**
 * Where `npm run build` writes the rendered reference (scripts/build-api-reference.ts). The
 * same folder from src/docs (under tsx) and dist/docs (built).
 */
export const REFERENCE_DIR = fileURLToPath(new URL('../../dist/docs/reference/', import.meta.url));
export const REFERENCE_PAGE = 'index.html';
export const REFERENCE_STYLESHEET = 'reference.css';

/**
 * The page's policy: its one stylesheet from here and nothing else (no script, no frames, no
 * forms), in place of the API's allow-nothing default, which would block the stylesheet.
 */
export const REFERENCE_CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface ReferenceRoutesOptions {
  /** The rendered page and its stylesheet; absent when the build has not run. */
  dir: string;
}

function readIfBuilt(file: string): string | undefined {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
}

/**
 * The API reference at `/docs`: static, public like `/v1/openapi.json` (it says nothing the
 * document does not), and undocumented in that document.
 */
export const referenceRoutes: FastifyPluginAsync<ReferenceRoutesOptions> = async (app, opts) => {
  const page = readIfBuilt(path.join(opts.dir, REFERENCE_PAGE));
  const css = readIfBuilt(path.join(opts.dir, REFERENCE_STYLESHEET));
  for (const url of ['/docs', '/docs/']) {
    app.get(url, { schema: { hide: true } }, async (_request, reply) => {
      if (page === undefined) {
        return reply
          .type('text/plain; charset=utf-8')
          .send('The API reference is not built. Run `npm run build` in the Paddock checkout.\n');
      }
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .header('content-security-policy', REFERENCE_CSP)
        .send(page);
    });
  }
  if (css !== undefined) {
    app.get(`/docs/${REFERENCE_STYLESHEET}`, { schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(css),
    );
  }
};
