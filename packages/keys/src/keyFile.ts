import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * A value kept in a 0600 file in the state dir, created on first use. Used for the generated
 * admin token and the per-install key that hashes commands in events.
 */
export function readOrCreateSecretFile(
  file: string,
  generate: () => string,
  isValid: (value: string) => boolean = (v) => v.length > 0,
): { value: string; created: boolean } {
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (isValid(existing)) {
      fs.chmodSync(file, 0o600);
      return { value: existing, created: false };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const value = generate();
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // A file left with a looser mode is replaced, not written into: a new file gets 0600.
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
  return { value, created: true };
}

/** A random 256-bit key kept in `<stateDir>/<name>` (session, preview and command-hash keys). */
export function stateKey(stateDir: string, name: string): string {
  return readOrCreateSecretFile(path.join(stateDir, name), () =>
    randomBytes(32).toString('base64url'),
  ).value;
}
