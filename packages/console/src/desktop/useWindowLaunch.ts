// One window's life: bridged before its frame loads, launched (bundle URL + app session),
// launched again when its session runs out or when it is reloaded.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { LaunchResult } from '@paddock/shared';
import { launchApp } from '../api/userspaceApps.js';
import { sessionStale, type AppBridge } from './appBridge.js';
import { frameUrl } from './frameUrl.js';

export function useWindowLaunch(
  appId: string,
  bridge: AppBridge,
  requestPermission: (capability: string) => Promise<boolean>,
) {
  const frameRef = useRef<HTMLIFrameElement>(null);
  const askRef = useRef(requestPermission);
  askRef.current = requestPermission;
  const [src, setSrc] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const frame = frameRef.current;
    if (!frame) return;
    const controller = new AbortController();
    let launch: LaunchResult | null = null;
    let renewing: Promise<string> | null = null;
    const renew = async () => {
      launch = await launchApp(appId);
      return launch.app_session;
    };
    const detach = bridge.attach({
      frame,
      origin: () => launch?.origin ?? null,
      session: (force) => {
        if (!force && launch && !sessionStale(launch)) return Promise.resolve(launch.app_session);
        renewing ??= renew().finally(() => (renewing = null));
        return renewing;
      },
      requestPermission: (capability) => askRef.current(capability),
    });
    setSrc(null);
    setError(null);
    launchApp(appId, controller.signal).then(
      (result) => {
        launch = result;
        try {
          setSrc(frameUrl(result, window.location.origin));
        } catch (caught) {
          setError(caught);
        }
      },
      (caught: unknown) => {
        if (!controller.signal.aborted) setError(caught);
      },
    );
    return () => {
      controller.abort();
      detach();
    };
  }, [appId, bridge, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { frameRef, src, error, generation, reload };
}
