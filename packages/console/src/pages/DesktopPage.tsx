import { useEffect, useState } from 'react';
import type { UserspaceApp } from '@paddock/shared';
import { useUserspaceApps } from '../api/userspaceApps.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { AppBridge } from '../desktop/appBridge.js';
import { AppWindow, type WindowPlace } from '../desktop/AppWindow.js';
import { ConsentDialog } from '../desktop/ConsentDialog.js';
import { InstallPanel } from '../desktop/InstallPanel.js';
import { Launcher } from '../desktop/Launcher.js';
import { TrashPanel } from '../desktop/TrashPanel.js';
import { usePermissionRequests } from '../desktop/usePermissionRequests.js';

interface OpenWindow extends WindowPlace {
  appId: string;
}

/** Installed apps as windows over one bridge, the launcher, install and the trash. */
export function DesktopPage() {
  const apps = useUserspaceApps();
  const [bridge, setBridge] = useState<AppBridge | null>(null);
  const [windows, setWindows] = useState<OpenWindow[]>([]);
  const permissions = usePermissionRequests();
  const [answering, setAnswering] = useState(false);
  const [answerError, setAnswerError] = useState<unknown>(null);

  useEffect(() => {
    const created = new AppBridge();
    setBridge(created);
    return () => created.dispose();
  }, []);
  useEffect(() => {
    document.title = 'Desktop · Paddock';
    return () => {
      document.title = 'Paddock';
    };
  }, []);

  const items = apps.data?.items ?? [];
  const byId = new Map(items.map((app) => [app.id, app]));
  const top = () => Math.max(0, ...windows.map((w) => w.z)) + 1;

  function open(app: UserspaceApp): void {
    setWindows((ws) => {
      const z = Math.max(0, ...ws.map((w) => w.z)) + 1;
      if (ws.some((w) => w.appId === app.id)) {
        return ws.map((w) => (w.appId === app.id ? { ...w, z } : w));
      }
      const offset = 24 * (ws.length % 8);
      return [...ws, { appId: app.id, x: 16 + offset, y: 16 + offset, z }];
    });
  }
  const update = (appId: string, change: Partial<OpenWindow>) =>
    setWindows((ws) => ws.map((w) => (w.appId === appId ? { ...w, ...change } : w)));

  async function answer(yes: boolean): Promise<void> {
    const prompt = permissions.current;
    if (!prompt) return;
    setAnswering(true);
    setAnswerError(null);
    try {
      await prompt.answer(yes);
    } catch (caught) {
      setAnswerError(caught);
    } finally {
      setAnswering(false);
    }
  }

  const prompt = permissions.current;
  return (
    <main className="page desktop-page">
      <div className="page-header">
        <h1>Desktop</h1>
      </div>
      {apps.isError && <ErrorNotice error={apps.error} title="Could not load the apps" />}
      {answerError !== null && !prompt && (
        <ErrorNotice
          error={answerError}
          title="Could not record the answer (the app’s request failed)"
        />
      )}
      {apps.isPending && <p className="muted">Loading…</p>}
      {apps.data && <Launcher apps={items} onOpen={open} />}
      <div className="desktop-surface" data-testid="desktop-surface">
        {bridge &&
          windows.map((w) => {
            const app = byId.get(w.appId);
            if (!app) return null;
            return (
              <AppWindow
                key={w.appId}
                app={app}
                place={w}
                bridge={bridge}
                requestPermission={permissions.request}
                onFocus={() => {
                  if (w.z !== top() - 1) update(w.appId, { z: top() });
                }}
                onMove={(x, y) => update(w.appId, { x, y })}
                onClose={() => setWindows((ws) => ws.filter((o) => o.appId !== w.appId))}
              />
            );
          })}
      </div>
      {prompt && (
        <ConsentDialog
          key={`${prompt.app.id} ${prompt.capability}`}
          title={`${prompt.app.name} asks for a permission`}
          appName={prompt.app.name}
          tier={prompt.app.provenance}
          granted={prompt.app.granted}
          asks={[prompt.capability]}
          busy={answering}
          error={answerError}
          onAccept={() => void answer(true)}
          onDecline={() => void answer(false)}
        />
      )}
      <InstallPanel />
      <TrashPanel />
    </main>
  );
}
