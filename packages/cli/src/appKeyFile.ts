import fs from 'node:fs';
import { appKeyFromPem, generateAppKey, type AppKeyPair } from '@paddock/app-package';

/** An app's signing key, from its PEM file, and whether this call made the file. */
export interface KeyFile {
  key: AppKeyPair;
  created: boolean;
}

/** Reads an app key (PKCS#8 PEM, as `pkg build` writes it). */
export function readAppKey(file: string): AppKeyPair {
  return appKeyFromPem(fs.readFileSync(file, 'utf8'));
}

/**
 * Reads the app key in `file`, or makes a new one there when there is no file: mode 0600,
 * created exclusively (two builds at once do not make two keys, the second one reads it).
 */
export function readOrCreateAppKey(file: string): KeyFile {
  if (fs.existsSync(file)) return { key: readAppKey(file), created: false };
  const key = generateAppKey();
  try {
    fs.writeFileSync(file, key.privateKeyPem, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      return { key: readAppKey(file), created: false };
    }
    throw err;
  }
  return { key, created: true };
}
