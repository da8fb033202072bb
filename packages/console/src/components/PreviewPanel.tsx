import { useLayoutEffect, useRef, useState, type CSSProperties, type ReactNode } from 'react';
import type { SandboxDetail } from '@paddock/shared';
import { isSamePreviewTarget } from '../lib/previewUrl.js';
import { fullTime } from '../lib/time.js';
import { CopyButton } from './CopyButton.js';
import { PreviewFrame } from './PreviewFrame.js';

interface PreviewPanelProps {
  appName: string;
  sandbox: SandboxDetail;
  /** An import held for review: nothing runs until it is confirmed, so nothing is down. */
  held?: boolean;
}

const WAITING: Record<SandboxDetail['preview']['status'], string> = {
  starting: 'The preview is starting…',
  ready: 'The preview is ready but has no URL yet.',
  down: 'The preview is down.',
  none: '',
};

/** Widths the preview can be shown at, in CSS pixels; `fit` fills the panel. */
const DEVICES = [
  { id: 'fit', label: 'Fit', width: null },
  { id: 'desktop', label: 'Desktop', width: 1280 },
  { id: 'tablet', label: 'Tablet', width: 768 },
  { id: 'phone', label: 'Phone', width: 390 },
] as const;

type DeviceId = (typeof DEVICES)[number]['id'];

/**
 * The frame at a device's width: as wide as the device, scaled down to fit when the panel is
 * narrower, so the app lays itself out as it would on that device.
 */
function DeviceViewport({ width, children }: { width: number | null; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const [box, setBox] = useState<{ width: number; height: number } | null>(null);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const measure = () => setBox({ width: element.clientWidth, height: element.clientHeight });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  let style: CSSProperties | undefined;
  if (width !== null && box) {
    const scale = Math.min(1, box.width / width);
    style = {
      width: `${width}px`,
      height: `${box.height / scale}px`,
      transform: scale < 1 ? `scale(${scale})` : undefined,
    };
  }
  return (
    <div
      ref={ref}
      className={width === null ? 'preview-viewport' : 'preview-viewport preview-viewport-device'}
    >
      <div className="preview-device" style={style}>
        {children}
      </div>
    </div>
  );
}

/**
 * The preview of an app with a web process. The frame appears once the preview is ready, and
 * then stays (with a warning) through short outages such as a restart of the web process, so
 * the app's state in it survives; it goes away when the sandbox stops or the preview moves.
 */
export function PreviewPanel({ appName, sandbox, held = false }: PreviewPanelProps) {
  const { url, status } = sandbox.preview;
  const running = sandbox.status === 'running';
  // The URL the frame was first shown with, for as long as the sandbox keeps running.
  const [shownUrl, setShownUrl] = useState<string | null>(null);
  const [device, setDevice] = useState<DeviceId>('fit');
  const [reloads, setReloads] = useState(0);
  if (running && status === 'ready' && url !== null && shownUrl === null) setShownUrl(url);
  if ((!running || url === null) && shownUrl !== null) setShownUrl(null);
  if (shownUrl !== null && url !== null && !isSamePreviewTarget(shownUrl, url)) {
    setShownUrl(status === 'ready' ? url : null);
  }
  const showFrame = running && url !== null && shownUrl !== null;
  const width = DEVICES.find((d) => d.id === device)?.width ?? null;

  return (
    <section className="panel preview-panel" aria-labelledby="preview-title">
      <div className="panel-header">
        <h2 id="preview-title">Preview</h2>
        <span className="muted">
          Status: <span data-testid="preview-status">{status}</span>
        </span>
      </div>
      <div className="preview-toolbar">
        <div className="segmented" role="group" aria-label="Preview width">
          {DEVICES.map((d) => (
            <button
              key={d.id}
              type="button"
              className="button-quiet"
              aria-pressed={device === d.id}
              data-testid={`preview-device-${d.id}`}
              title={d.width ? `${d.width} px wide` : 'As wide as this panel'}
              onClick={() => setDevice(d.id)}
            >
              {d.label}
            </button>
          ))}
        </div>
        <button
          type="button"
          className="button-quiet"
          data-testid="preview-reload"
          disabled={!showFrame}
          onClick={() => setReloads((n) => n + 1)}
        >
          Reload
        </button>
        {url !== null && (
          <a
            className="button-quiet"
            href={url}
            target="_blank"
            rel="noopener noreferrer"
            data-testid="preview-open-tab"
          >
            Open in new tab
          </a>
        )}
        {url !== null && <CopyButton text={url} label="Copy link" testId="preview-copy-link" />}
      </div>
      {url !== null && (
        <p className="muted small" data-testid="preview-link-note">
          {sandbox.preview.public ? (
            'The app is public: anyone can open this link.'
          ) : (
            <>
              A private link: anyone who has it can open the preview
              {sandbox.preview.expires_at
                ? ` until ${fullTime(sandbox.preview.expires_at)}`
                : ' until it expires'}
              .
            </>
          )}
        </p>
      )}
      {showFrame && status !== 'ready' && (
        <p className="notice notice-warn" role="status">
          {status === 'starting' ? 'The preview is restarting…' : 'The preview is not answering.'}
        </p>
      )}
      {showFrame ? (
        <DeviceViewport width={width}>
          <PreviewFrame url={url} title={`Preview of ${appName}`} reloads={reloads} />
        </DeviceViewport>
      ) : (
        <div className="preview-placeholder" role="status">
          {held
            ? 'The app starts once its import is confirmed (above): review how it runs first.'
            : running
              ? WAITING[status]
              : 'The sandbox is not running, so neither is the preview.'}
        </div>
      )}
    </section>
  );
}
