import { AppSettings } from '../../components/AppSettings.js';
import { DeleteAppPanel } from '../../components/DeleteAppPanel.js';
import { PublishPanel } from '../../components/PublishPanel.js';
import type { AppTabProps } from './appTab.js';

/** Publishing, the app's own settings and deleting it. */
export function SettingsTab({ app }: AppTabProps) {
  return (
    <>
      <PublishPanel app={app} />
      <AppSettings key={app.id} app={app} />
      <DeleteAppPanel app={app} />
    </>
  );
}
