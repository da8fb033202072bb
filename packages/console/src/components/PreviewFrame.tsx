import { useState } from 'react';
import { nextFrameSrc } from '../lib/previewUrl.js';

interface PreviewFrameProps {
  url: string;
  title: string;
  /** Changes when the person asks for a reload: the frame loads the newest URL afresh. */
  reloads?: number;
}

/**
 * The app's live preview. Its src changes only when the preview moves to another origin or
 * path: a fresh token on the same URL must not reload the app (that would break hot reload).
 * A reload asked for loads the newest URL (a fresh token) in a new frame.
 */
export function PreviewFrame({ url, title, reloads = 0 }: PreviewFrameProps) {
  const [src, setSrc] = useState(url);
  const [loaded, setLoaded] = useState(reloads);
  // Adjusting state while rendering, as React documents for values derived from props.
  if (loaded !== reloads) {
    setLoaded(reloads);
    setSrc(url);
  }
  const next = loaded !== reloads ? url : (nextFrameSrc(src, url) ?? url);
  if (next !== src) setSrc(next);

  return (
    <iframe
      key={reloads}
      className="preview-frame"
      data-testid="preview-frame"
      title={title}
      src={next}
      sandbox="allow-scripts allow-same-origin allow-forms allow-popups"
    />
  );
}
