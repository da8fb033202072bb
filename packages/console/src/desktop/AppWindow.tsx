import { useEffect, useRef, type PointerEvent } from 'react';
import type { UserspaceApp } from '@paddock/shared';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { Link } from '../components/Link.js';
import { paths } from '../router/routes.js';
import type { AppBridge } from './appBridge.js';
import { ProvenanceBadge } from './ProvenanceBadge.js';
import type { PermissionOutcome } from './usePermissionRequests.js';
import { useWindowLaunch } from './useWindowLaunch.js';

export interface WindowPlace {
  x: number;
  y: number;
  z: number;
}

interface AppWindowProps {
  app: UserspaceApp;
  place: WindowPlace;
  bridge: AppBridge;
  requestPermission: (app: UserspaceApp, capability: string) => Promise<PermissionOutcome>;
  onFocus: () => void;
  onMove: (x: number, y: number) => void;
  onClose: () => void;
}

/**
 * An app in a window: a sandboxed iframe on the app's own origin. `allow-scripts` only, never
 * `allow-same-origin` (with it, a frame could lift its own sandbox), no referrer. Moved by its
 * title bar, resized by its corner (CSS resize), several at once.
 */
export function AppWindow({ app, place, bridge, requestPermission, ...on }: AppWindowProps) {
  const { frameRef, src, left, error, generation, reload, onFrameLoad } = useWindowLaunch(
    app.id,
    bridge,
    async (capability) => {
      const outcome = await requestPermission(app, capability);
      // A network grant reaches the app's CSP at its next launch: reopen the window for it.
      if (outcome === 'granted' && capability.startsWith('network:')) setTimeout(reload, 0);
      return outcome === 'held' || outcome === 'granted';
    },
  );
  const drag = useRef<{ dx: number; dy: number } | null>(null);
  // An update (or a rollback) ends the window's session: load the version now in use.
  const shownVersion = useRef(app.version);
  useEffect(() => {
    if (shownVersion.current === app.version) return;
    shownVersion.current = app.version;
    reload();
  }, [app.version, reload]);

  function startDrag(event: PointerEvent<HTMLDivElement>): void {
    if ((event.target as HTMLElement).closest('button, a')) return;
    drag.current = { dx: event.clientX - place.x, dy: event.clientY - place.y };
    event.currentTarget.setPointerCapture(event.pointerId);
    on.onFocus();
  }
  function moveDrag(event: PointerEvent<HTMLDivElement>): void {
    if (!drag.current) return;
    on.onMove(
      Math.max(0, event.clientX - drag.current.dx),
      Math.max(0, event.clientY - drag.current.dy),
    );
  }

  return (
    <section
      className="app-window"
      style={{ left: place.x, top: place.y, zIndex: place.z }}
      data-testid="app-window"
      data-app-id={app.id}
      aria-label={app.name}
      onPointerDown={on.onFocus}
    >
      <div
        className="app-window-bar"
        onPointerDown={startDrag}
        onPointerMove={moveDrag}
        onPointerUp={() => (drag.current = null)}
      >
        <strong className="app-window-title">{app.name}</strong>
        <ProvenanceBadge tier={app.provenance} granted={app.granted} />
        <span className="app-window-controls">
          <Link to={paths.userspaceApp(app.id)} className="button-quiet" title="Permissions">
            ⚙
          </Link>
          <button type="button" className="button-quiet" title="Reload" onClick={reload}>
            ↻
          </button>
          <button
            type="button"
            className="button-quiet"
            title="Close"
            data-testid="app-window-close"
            onClick={on.onClose}
          >
            ×
          </button>
        </span>
      </div>
      {error !== null && <ErrorNotice error={error} title="Could not open the app" />}
      {left && (
        <p className="notice" data-testid="app-window-left">
          The app left its page, so its window was emptied. ↻ opens it again.
        </p>
      )}
      <iframe
        key={generation}
        ref={frameRef}
        className="app-window-frame"
        title={app.name}
        data-testid="app-window-frame"
        sandbox="allow-scripts"
        referrerPolicy="no-referrer"
        allow=""
        src={src ?? 'about:blank'}
        onLoad={onFrameLoad}
      />
    </section>
  );
}
