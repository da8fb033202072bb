// A tiny static file server for public/, with no dependencies: node:http and node:fs only.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 8080);
const root = await realpath(fileURLToPath(new URL('./public/', import.meta.url)));

const types = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
  '.pdf': 'application/pdf',
  '.mp3': 'audio/mpeg',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
};

/** The file under root that a URL path names, or null when it names nothing we may serve. */
async function resolveFile(urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  // Dotfiles (.env, .git) are never served, except the standard /.well-known/.
  const segments = decoded.split('/').filter(Boolean);
  if (segments.some((s) => s.startsWith('.') && s !== '.well-known')) return null;
  const file = path.resolve(root, '.' + path.posix.normalize('/' + segments.join('/')));
  try {
    const info = await stat(file);
    if (info.isDirectory() && !urlPath.endsWith('/')) {
      // Redirect to the slash form so relative links inside the page resolve.
      return { redirect: `/${segments.map(encodeURIComponent).join('/')}/` };
    }
    // realpath: a symlink inside public/ must not lead outside it.
    const real = await realpath(info.isDirectory() ? path.join(file, 'index.html') : file);
    if (!real.startsWith(root + path.sep)) return null;
    const target = await stat(real);
    return target.isFile() ? { file: real, size: target.size } : null;
  } catch {
    return null;
  }
}

function send(req, res, status, file, size) {
  res.writeHead(status, {
    'Content-Type': types[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': size,
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  });
  if (req.method === 'HEAD') return res.end();
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

const server = createServer(async (req, res) => {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  let pathname;
  try {
    pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
  } catch {
    res.writeHead(400).end();
    return;
  }
  const found = await resolveFile(pathname);
  if (found?.redirect) {
    res.writeHead(301, { Location: found.redirect }).end();
  } else if (found) {
    send(req, res, 200, found.file, found.size);
  } else {
    const notFound = await resolveFile('/404.html');
    if (notFound?.file) send(req, res, 404, notFound.file, notFound.size);
    else res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found\n');
  }
});

server.on('error', (err) => {
  console.error(err.message);
  process.exit(1);
});
server.listen(port, host, () => {
  console.log(`Serving ${root} on http://${host}:${port}`);
});

for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => server.close(() => process.exit(0)));
