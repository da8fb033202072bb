import type { App } from '@paddock/shared';

/** What every section of an app's page gets: the app as last fetched (polled by AppPage). */
export interface AppTabProps {
  app: App;
}

/** The sections' names as the tab bar shows them. */
export const APP_TAB_LABELS = {
  build: 'Build',
  files: 'Files',
  terminal: 'Terminal',
  checkpoints: 'Checkpoints',
  snapshots: 'Snapshots',
  config: 'Config & secrets',
  egress: 'Egress',
  activity: 'Activity',
  settings: 'Settings',
} as const;
