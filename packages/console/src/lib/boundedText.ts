/** How much log text a viewer keeps in memory: about 200 KB. */
export const MAX_LOG_CHARS = 200_000;

/** The last `max` characters of `text`, starting at a line boundary when one is near. */
export function keepTail(text: string, max: number = MAX_LOG_CHARS): string {
  if (text.length <= max) return text;
  const cut = text.length - max;
  if (text[cut - 1] === '\n') return text.slice(cut);
  const newline = text.indexOf('\n', cut);
  // Drop the partial first line unless that would throw away a large part of what is kept.
  return newline !== -1 && newline - cut < 1024 ? text.slice(newline + 1) : text.slice(cut);
}
