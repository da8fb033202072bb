import { useState } from 'react';
import { nextFrameSrc } from '../lib/previewUrl.js';

interface PreviewFrameProps {
  url: string;
  title: string;
}

/**
 * The app's live preview. Its src changes only when the preview moves to another origin or
 * path: a fresh token on the same URL must not reload the app (that would break hot reload).
 */
export function PreviewFrame({ url, title }: PreviewFrameProps) {
  const [src, setSrc] = useState(url);
  const next = nextFrameSrc(src, url) ?? url;
  // Adjusting state while rendering, as React documents for values derived from props.
  if (next !== src) setSrc(next);

  return (
    <iframe
      className="preview-frame"
      data-testid="preview-frame"
      title={title}
      src={next}
      sandbox="allow-scripts allow-same-origin allow-forms allow-popups"
    />
  );
}
