// Every TanStack Query key the console uses, in one place so invalidation stays consistent.
export const queryKeys = {
  session: ['session'] as const,
  presets: ['presets'] as const,
  apps: ['apps'] as const,
  appList: ['apps', 'list'] as const,
  app: (id: string) => ['apps', 'detail', id] as const,
};

/** How often live views (app list, app page) ask the daemon for fresh state. */
export const POLL_INTERVAL_MS = 2000;
