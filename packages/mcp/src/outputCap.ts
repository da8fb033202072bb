/** How much of each output stream a tool returns: enough for a build log's end, small for a model. */
export const OUTPUT_CAP_BYTES = 64 * 1024;

/** The last `limit` bytes of `text` (a build's errors come last), and whether it was cut. */
export function tailOf(text: string, limit = OUTPUT_CAP_BYTES): { text: string; cut: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= limit) return { text, cut: false };
  // A cut through a multi-byte character leaves a replacement character at the start: harmless.
  return { text: bytes.subarray(bytes.length - limit).toString('utf8'), cut: true };
}

/** What an agent does when output was cut: write it to a file and page through it. */
export const HOW_TO_READ_ALL =
  'rerun with the output redirected to a file (`cmd > /tmp/out.log 2>&1`) and page through it ' +
  'with file_read (offset, max_bytes)';
