// The console's client-side routes (History API; paddockd answers index.html for them).

export type Route =
  | { name: 'apps' }
  | { name: 'new-app' }
  | { name: 'app'; id: string }
  | { name: 'desktop' }
  | { name: 'userspace-app'; id: string }
  | { name: 'not-found' };

export const paths = {
  apps: '/',
  newApp: '/apps/new',
  app: (id: string) => `/apps/${encodeURIComponent(id)}`,
  desktop: '/desktop',
  userspaceApp: (id: string) => `/desktop/apps/${encodeURIComponent(id)}`,
};

function decoded(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

export function parseRoute(pathname: string): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  if (path === '/' || path === '' || path === '/apps') return { name: 'apps' };
  if (path === '/apps/new') return { name: 'new-app' };
  if (path === '/desktop') return { name: 'desktop' };
  const app = /^\/apps\/([^/]+)$/.exec(path)?.[1];
  const userspace = /^\/desktop\/apps\/([^/]+)$/.exec(path)?.[1];
  const id = decoded(app ?? userspace ?? '');
  if (!id) return { name: 'not-found' };
  return app ? { name: 'app', id } : { name: 'userspace-app', id };
}
