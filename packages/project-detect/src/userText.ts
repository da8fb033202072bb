/**
 * Text from the project (a script, a file name) as it may appear in a note or a YAML comment:
 * one line, no control characters, bounded, so a hostile package.json cannot shape the output.
 */
export function userText(text: string, max = 120): string {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
