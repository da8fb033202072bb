import fs from 'node:fs';
import path from 'node:path';

/**
 * The CA's key and certificate, kept in one 0600 file: read when it holds a usable CA, else
 * made with `create` and written (its folder 0700). The key never leaves this file and the
 * process that reads it.
 */
export function readOrCreateCaFile(
  file: string,
  create: () => string,
  isValid: (text: string) => boolean,
): string {
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (isValid(existing)) {
      fs.chmodSync(file, 0o600);
      return existing;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const text = create();
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, `${text}\n`, { mode: 0o600 });
  return text;
}
