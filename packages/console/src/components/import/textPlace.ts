/** The character offsets of a 1-based line and column in a text, and of that line's end. */
export function textPlace(
  text: string,
  line: number,
  column: number,
): { start: number; lineEnd: number } {
  const lines = text.split('\n');
  const index = Math.min(Math.max(line, 1), lines.length) - 1;
  let lineStart = 0;
  for (let i = 0; i < index; i++) lineStart += lines[i]!.length + 1;
  const length = lines[index]!.length;
  return {
    start: lineStart + Math.min(Math.max(column, 1) - 1, length),
    lineEnd: lineStart + length,
  };
}
