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
  checkpoints: (appId: string) => ['checkpoints', appId] as const,
  checkpointList: (appId: string) => ['checkpoints', appId, 'list'] as const,
  checkpointParent: (appId: string, sha: string) => ['checkpoints', appId, 'parent', sha] as const,
  snapshots: ['snapshots'] as const,
  appSnapshots: (appId: string) => ['snapshots', 'app', appId] as const,
  snapshot: (id: string) => ['snapshots', 'detail', id] as const,
  appEvents: (appId: string, type: string) => ['apps', 'events', appId, type] as const,
  settings: ['instance', 'settings'] as const,
  apiKeys: ['instance', 'api-keys'] as const,
  audit: (filters: object) => ['instance', 'audit', filters] as const,
  system: ['instance', 'system'] as const,
  secretsStatus: ['instance', 'secrets'] as const,
  appEgress: (appId: string) => ['apps', 'egress', appId] as const,
};

/** How often live views (app list, app page) ask the daemon for fresh state. */
export const POLL_INTERVAL_MS = 2000;
