/**
 * Raised by `put` when the source holds more than `maxBytes`: nothing was kept, and the caller
 * turns it into its own refusal (`quota_exceeded` or `payload_too_large`).
 */
export class TooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`more than ${maxBytes} bytes`);
    this.name = 'TooLarge';
  }
}

/**
 * The backend itself failed (an S3 error other than a missing key, a disk error). `reason` is a
 * short name (`NoSuchBucket`, `ECONNREFUSED`, `ENOSPC`), never a message that could carry a
 * credential or a signed URL.
 */
export class FilestoreUnavailable extends Error {
  constructor(readonly reason: string) {
    super(`the filestore backend failed: ${reason}`);
    this.name = 'FilestoreUnavailable';
  }
}

/** A short, safe name for an error: its S3 error name or its errno code, nothing else. */
export function errorName(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return code;
    if (/^[A-Za-z][A-Za-z0-9]{1,60}$/.test(err.name) && err.name !== 'Error') return err.name;
  }
  return 'unknown';
}
