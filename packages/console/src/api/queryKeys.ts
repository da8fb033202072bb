// Every TanStack Query key the console uses, in one place so invalidation stays consistent.
export const queryKeys = {
  session: ['session'] as const,
  presets: ['presets'] as const,
  apps: ['apps'] as const,
  appList: ['apps', 'list'] as const,
  app: (id: string) => ['apps', 'detail', id] as const,
  userspace: ['userspace'] as const,
  userspaceList: (trashed: boolean) => ['userspace', 'list', trashed] as const,
  userspaceApp: (id: string) => ['userspace', 'detail', id] as const,
  userspacePermissions: (id: string) => ['userspace', 'permissions', id] as const,
  userspaceUsage: (id: string) => ['userspace', 'usage', id] as const,
  notifications: ['notifications'] as const,
  tasks: (sandboxId: string) => ['tasks', 'list', sandboxId] as const,
  taskDiff: (id: string) => ['tasks', 'diff', id] as const,
  appConfig: (appId: string) => ['apps', 'config', appId] as const,
  files: (sandboxId: string) => ['files', sandboxId] as const,
  fileList: (sandboxId: string, dir: string) => ['files', sandboxId, 'list', dir] as const,
};

/** How often live views (app list, app page) ask the daemon for fresh state. */
export const POLL_INTERVAL_MS = 2000;
