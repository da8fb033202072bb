import { useState } from 'react';
import type { SandboxDetail } from '@paddock/shared';
import { isSamePreviewTarget } from '../lib/previewUrl.js';
import { PreviewFrame } from './PreviewFrame.js';

interface PreviewPanelProps {
  appName: string;
  sandbox: SandboxDetail;
}

const WAITING: Record<SandboxDetail['preview']['status'], string> = {
  starting: 'The preview is starting…',
  ready: 'The preview is ready but has no URL yet.',
  down: 'The preview is down.',
  none: '',
};

/**
 * The preview of an app with a web process. The frame appears once the preview is ready, and
 * then stays (with a warning) through short outages such as a restart of the web process, so
 * the app's state in it survives; it goes away when the sandbox stops or the preview moves.
 */
export function PreviewPanel({ appName, sandbox }: PreviewPanelProps) {
  const { url, status } = sandbox.preview;
  const running = sandbox.status === 'running';
  // The URL the frame was first shown with, for as long as the sandbox keeps running.
  const [shownUrl, setShownUrl] = useState<string | null>(null);
  if (running && status === 'ready' && url !== null && shownUrl === null) setShownUrl(url);
  if ((!running || url === null) && shownUrl !== null) setShownUrl(null);
  if (shownUrl !== null && url !== null && !isSamePreviewTarget(shownUrl, url)) {
    setShownUrl(status === 'ready' ? url : null);
  }
  const showFrame = running && url !== null && shownUrl !== null;

  return (
    <section className="panel" aria-labelledby="preview-title">
      <div className="panel-header">
        <h2 id="preview-title">Preview</h2>
        <span className="muted">
          Status: <span data-testid="preview-status">{status}</span>
        </span>
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
      </div>
      {showFrame && status !== 'ready' && (
        <p className="notice notice-warn" role="status">
          {status === 'starting' ? 'The preview is restarting…' : 'The preview is not answering.'}
        </p>
      )}
      {showFrame ? (
        <PreviewFrame url={url} title={`Preview of ${appName}`} />
      ) : (
        <div className="preview-placeholder" role="status">
          {running ? WAITING[status] : 'The sandbox is not running, so neither is the preview.'}
        </div>
      )}
    </section>
  );
}
