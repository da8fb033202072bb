// The preview URL carries a signed token that may change on every poll. Reloading the iframe
// for a new token would throw away the app's state and break hot reload, so the frame keeps
// the URL it first got for as long as it points at the same place.

function target(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.origin + parsed.pathname;
  } catch {
    return null;
  }
}

/** True when both URLs load the same page (origin and path), whatever their query strings. */
export function isSamePreviewTarget(a: string, b: string): boolean {
  const targetA = target(a);
  return targetA !== null && targetA === target(b);
}

/** The URL the iframe should show, given the one it shows now and the newest one reported. */
export function nextFrameSrc(current: string | null, latest: string | null): string | null {
  if (latest === null) return current;
  if (current === null) return latest;
  return isSamePreviewTarget(current, latest) ? current : latest;
}
