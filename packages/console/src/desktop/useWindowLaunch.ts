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
  // The frame's page is no longer the one launched (it navigated itself): the window is
  // emptied and says so; only a new launch (reload) brings the app back.
  const [left, setLeft] = useState(false);
  const loads = useRef(0);

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
      left: () => setLeft(true),
    });
    setSrc(null);
    setError(null);
    setLeft(false);
    loads.current = 0;
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
  /** Each load of the launched URL counts; a second one is a page the app navigated to. */
  const onFrameLoad = useCallback(() => {
    if (src === null) return;
    loads.current += 1;
    if (loads.current > 1) setLeft(true);
  }, [src]);
  return { frameRef, src: left ? null : src, left, error, generation, reload, onFrameLoad };
}
