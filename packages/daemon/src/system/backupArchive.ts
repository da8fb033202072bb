import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import SQLite from 'better-sqlite3';
import { writeKeyFile, type MasterKey } from '@paddock/keys';

/** `backup-manifest.json` at an archive's root: what it holds and the key its secrets need. */
export interface BackupManifest {
  format: 'paddock-backup';
  version: 1;
  created_at: string;
  /** The master key's id every sealed value in the database copy was sealed with. */
  sealed_key_id: string;
  key_included: boolean;
  /** Sandboxes' workspace images are not in the archive (ADR 0040). */
  workspaces: 'not-included';
}

export const MANIFEST_NAME = 'backup-manifest.json';

/** Per-install files of state/ copied as they are; secrets.key only when asked for. */
const STATE_FILES = [
  'admin-token',
  'sandbox-token-key.pem',
  'egress-ca.pem',
  'session-key',
  'preview-key',
  'app-session-key',
  'app-bundle-key',
  'command-hash-key',
  'tasks',
];
/** Append-only or owned by the daemon; a file written after the database copy is harmless. */
const DATA_DIRS = ['snapshots/packs', 'snapshots/objects', 'filestores/local', 'userspace'];

/**
 * Takes the database with SQLite's online backup API (a consistent copy while the daemon writes),
 * then streams a tar.gz of that copy, the install's keys and the content-addressed stores. The
 * staging dir is removed when the stream ends, however it ends.
 */
export async function backupArchive(o: {
  dataDir: string;
  key: MasterKey;
  includeKey: boolean;
}): Promise<Readable> {
  const stateDir = path.join(o.dataDir, 'state');
  const staging = path.join(stateDir, `backup-${crypto.randomBytes(6).toString('hex')}`);
  fs.mkdirSync(path.join(staging, 'state'), { recursive: true, mode: 0o700 });
  try {
    const source = new SQLite(path.join(stateDir, 'paddock.db'), {
      readonly: true,
      fileMustExist: true,
    });
    try {
      await source.backup(path.join(staging, 'state', 'paddock.db'));
    } finally {
      source.close();
    }
    if (o.includeKey) writeKeyFile(path.join(staging, 'state', 'secrets.key'), o.key.key);
    const manifest: BackupManifest = {
      format: 'paddock-backup',
      version: 1,
      created_at: new Date().toISOString(),
      sealed_key_id: o.key.id,
      key_included: o.includeKey,
      workspaces: 'not-included',
    };
    fs.writeFileSync(path.join(staging, MANIFEST_NAME), JSON.stringify(manifest, null, 2), {
      mode: 0o600,
    });
    const present = [...STATE_FILES.map((f) => `state/${f}`), ...DATA_DIRS].filter((p) =>
      fs.existsSync(path.join(o.dataDir, p)),
    );
    const staged = [
      MANIFEST_NAME,
      'state/paddock.db',
      ...(o.includeKey ? ['state/secrets.key'] : []),
    ];
    const tar = spawn(
      'tar',
      [
        '-czf',
        '-',
        '--warning=no-file-changed',
        '--warning=no-file-removed',
        '--ignore-failed-read',
        '-C',
        staging,
        ...staged,
        '-C',
        o.dataDir,
        ...present,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const cleanup = () => fs.rmSync(staging, { recursive: true, force: true });
    tar.once('close', cleanup);
    tar.once('error', cleanup);
    return tar.stdout;
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}
