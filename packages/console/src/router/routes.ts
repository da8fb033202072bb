// The console's client-side routes (History API; paddockd answers index.html for them).

export type Route =
  { name: 'apps' } | { name: 'new-app' } | { name: 'app'; id: string } | { name: 'not-found' };

export const paths = {
  apps: '/',
  newApp: '/apps/new',
  app: (id: string) => `/apps/${encodeURIComponent(id)}`,
};

export function parseRoute(pathname: string): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  if (path === '/' || path === '' || path === '/apps') return { name: 'apps' };
  if (path === '/apps/new') return { name: 'new-app' };
  const match = /^\/apps\/([^/]+)$/.exec(path);
  if (match?.[1]) {
    try {
      return { name: 'app', id: decodeURIComponent(match[1]) };
    } catch {
      return { name: 'not-found' };
    }
  }
  return { name: 'not-found' };
}
