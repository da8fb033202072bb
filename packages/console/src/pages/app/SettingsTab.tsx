import { AppSettings } from '../../components/AppSettings.js';
import { DeleteAppPanel } from '../../components/DeleteAppPanel.js';
import { ExportPanel } from '../../components/export/ExportPanel.js';
import { LifecyclePanel } from '../../components/LifecyclePanel.js';
import { PublishPanel } from '../../components/PublishPanel.js';
import type { AppTabProps } from './appTab.js';

/** Publishing, the app's own settings, exporting it, its sandbox by hand and deleting it. */
export function SettingsTab({ app }: AppTabProps) {
  return (
    <>
      <PublishPanel app={app} />
      <AppSettings key={app.id} app={app} />
      <ExportPanel key={`export-${app.id}`} app={app} />
      {app.sandbox && <LifecyclePanel app={app} sandbox={app.sandbox} />}
      <DeleteAppPanel app={app} />
    </>
  );
}
