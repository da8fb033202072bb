import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The key every sensitive config value is sealed with (AES-256-GCM). */
export interface MasterKey {
  readonly key: Buffer;
  /** A fingerprint, stored with each sealed value: a changed key is told apart from corruption. */
  readonly id: string;
  readonly source: 'env' | 'file';
}

export class MasterKeyError extends Error {}

export function keyId(key: Buffer): string {
  return crypto
    .createHash('sha256')
    .update('paddock-secrets-key\0')
    .update(key)
    .digest('hex')
    .slice(0, 16);
}

/** 32 bytes from base64 or base64url text, or an error that says what is wrong. */
export function parseKey(text: string, what: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) {
    throw new MasterKeyError(`${what} must be 32 bytes in base64 (got ${key.length} bytes)`);
  }
  return key;
}

/**
 * `PADDOCK_SECRETS_KEY` when set, else `<state>/secrets.key` (0600, generated on first start).
 * A rotation writes the next key to `secrets.key.next` before it re-encrypts; if the daemon
 * stopped in between, both files exist and `candidates` offers both, so the store can pick the
 * one its values were sealed with.
 */
export function loadMasterKey(opts: { env: string | undefined; stateDir: string }): {
  current: MasterKey;
  pendingNext: MasterKey | null;
} {
  if (opts.env !== undefined && opts.env.trim() !== '') {
    const key = parseKey(opts.env, 'PADDOCK_SECRETS_KEY');
    return { current: { key, id: keyId(key), source: 'env' }, pendingNext: null };
  }
  const file = keyFile(opts.stateDir);
  let key: Buffer;
  try {
    key = parseKey(fs.readFileSync(file, 'utf8'), file);
    fs.chmodSync(file, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    key = crypto.randomBytes(32);
    writeKeyFile(file, key);
  }
  let pendingNext: MasterKey | null = null;
  const next = `${file}.next`;
  if (fs.existsSync(next)) {
    const nextKey = parseKey(fs.readFileSync(next, 'utf8'), next);
    pendingNext = { key: nextKey, id: keyId(nextKey), source: 'file' };
  }
  return { current: { key, id: keyId(key), source: 'file' }, pendingNext };
}

export function keyFile(stateDir: string): string {
  return path.join(stateDir, 'secrets.key');
}

/** Written to a temp file, synced, renamed: a crash leaves the old file or the new one. */
export function writeKeyFile(file: string, key: Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeSync(fd, `${key.toString('base64')}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
