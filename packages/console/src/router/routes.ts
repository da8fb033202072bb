// The console's client-side routes (History API; paddockd answers index.html for them).

/** The sections of an app's page, each its own address (`/apps/{id}` is the build view). */
export const APP_TABS = [
  'build',
  'files',
  'terminal',
  'checkpoints',
  'snapshots',
  'config',
  'egress',
  'activity',
  'settings',
] as const;
export type AppTab = (typeof APP_TABS)[number];

/** The instance's pages (admins): settings, API keys, audit, system. */
export const INSTANCE_SECTIONS = ['settings', 'api-keys', 'audit', 'system'] as const;
export type InstanceSection = (typeof INSTANCE_SECTIONS)[number];

export type Route =
  | { name: 'apps' }
  | { name: 'new-app' }
  | { name: 'import-app' }
  | { name: 'app'; id: string; tab: AppTab }
  | { name: 'desktop' }
  | { name: 'userspace-app'; id: string }
  | { name: 'instance'; section: InstanceSection }
  | { name: 'not-found' };

export const paths = {
  apps: '/',
  newApp: '/apps/new',
  importApp: '/apps/import',
  app: (id: string, tab: AppTab = 'build') =>
    `/apps/${encodeURIComponent(id)}${tab === 'build' ? '' : `/${tab}`}`,
  desktop: '/desktop',
  userspaceApp: (id: string) => `/desktop/apps/${encodeURIComponent(id)}`,
  instance: (section: InstanceSection = 'settings') => `/instance/${section}`,
};

function decoded(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function isOneOf<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}

export function parseRoute(pathname: string): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  if (path === '/' || path === '' || path === '/apps') return { name: 'apps' };
  if (path === '/apps/new') return { name: 'new-app' };
  if (path === '/apps/import') return { name: 'import-app' };
  if (path === '/desktop') return { name: 'desktop' };
  if (path === '/instance') return { name: 'instance', section: 'settings' };
  const section = /^\/instance\/([^/]+)$/.exec(path)?.[1];
  if (section !== undefined) {
    return isOneOf(INSTANCE_SECTIONS, section)
      ? { name: 'instance', section }
      : { name: 'not-found' };
  }
  const app = /^\/apps\/([^/]+)(?:\/([^/]+))?$/.exec(path);
  if (app) {
    const id = decoded(app[1]!);
    const tab = app[2] ?? 'build';
    if (!id || !isOneOf(APP_TABS, tab) || app[2] === 'build') return { name: 'not-found' };
    return { name: 'app', id, tab };
  }
  const userspace = /^\/desktop\/apps\/([^/]+)$/.exec(path)?.[1];
  const id = decoded(userspace ?? '');
  if (!id) return { name: 'not-found' };
  return { name: 'userspace-app', id };
}
