import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { keyFile, keyId, parseKey, writeKeyFile } from '@paddock/keys';
import { MANIFEST_NAME, type BackupManifest } from './backupArchive.js';

export class BackupRestoreError extends Error {}

/**
 * Unpacks a backup into an empty data dir, offline: nothing runs on a dir that was empty. The key
 * is checked before anything is written, so a wrong key leaves the dir as it was.
 */
export function restoreBackup(o: { file: string; dataDir: string; keyFile?: string }): {
  manifest: BackupManifest;
  keyPlaced: boolean;
} {
  if (!fs.existsSync(o.file)) throw new BackupRestoreError(`${o.file} does not exist`);
  if (fs.existsSync(o.dataDir) && fs.readdirSync(o.dataDir).length > 0) {
    throw new BackupRestoreError(`${o.dataDir} is not empty; restore into an empty data dir`);
  }
  let manifest: BackupManifest;
  try {
    const text = execFileSync('tar', ['-xzOf', o.file, MANIFEST_NAME], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    manifest = JSON.parse(text) as BackupManifest;
  } catch {
    throw new BackupRestoreError(`${o.file} is not a Paddock backup (no ${MANIFEST_NAME})`);
  }
  if (manifest.format !== 'paddock-backup' || manifest.version !== 1) {
    throw new BackupRestoreError(`${o.file}: unknown backup format`);
  }
  let key: Buffer | null = null;
  if (o.keyFile !== undefined) {
    key = parseKey(fs.readFileSync(o.keyFile, 'utf8'), o.keyFile);
    if (keyId(key) !== manifest.sealed_key_id) {
      throw new BackupRestoreError(
        `this backup needs key ${manifest.sealed_key_id}; ${o.keyFile} is key ${keyId(key)}`,
      );
    }
  }
  fs.mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  execFileSync('tar', ['-xzf', o.file, '-C', o.dataDir, '--exclude', MANIFEST_NAME], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stateDir = path.join(o.dataDir, 'state');
  fs.writeFileSync(path.join(stateDir, 'restored-from.json'), JSON.stringify(manifest, null, 2), {
    mode: 0o600,
  });
  if (key !== null) writeKeyFile(keyFile(stateDir), key);
  return { manifest, keyPlaced: manifest.key_included || key !== null };
}
