import { generateAppKey } from '@paddock/app-package';
import { APP_PACKAGE_ID_PATTERN } from '@paddock/shared';
import { appKeyPlace, type SecretsService } from '../secrets/index.js';
import type { AppKeyStore } from './appKeyStore.js';

/** A build app's signing key, opened for one publish: never logged, never returned. */
export interface AppSigningKey {
  /** The userspace app id it makes (the public key in base32). */
  packageId: string;
  /** The raw public key, base64. */
  publicKey: string;
  privateKeyPem: string;
  /** The highest version a publish of the app used (0: none yet). */
  lastVersion: number;
}

const PACKAGE_ID = new RegExp(APP_PACKAGE_ID_PATTERN);

/**
 * One Ed25519 key pair per build app that Paddock publishes, made at its first publish and
 * kept sealed with the secrets master key (reseal with it at rotation, see SealedRows).
 */
export class AppKeys {
  constructor(
    private readonly store: AppKeyStore,
    private readonly secrets: SecretsService,
  ) {}

  /** The app's key, made (and sealed) the first time. */
  async keyFor(app: { id: string; owner_id: string }): Promise<AppSigningKey> {
    const row =
      (await this.store.get(app.id)) ??
      (await (async () => {
        const made = generateAppKey();
        const now = new Date().toISOString();
        return this.store.insertOnce({
          app_id: app.id,
          owner_id: app.owner_id,
          package_id: made.appId,
          public_key: made.publicKey.toString('base64'),
          sealed_private_key: this.secrets.seal(made.privateKeyPem, appKeyPlace(app.id)),
          last_version: 0,
          created_at: now,
          updated_at: now,
        });
      })());
    return {
      packageId: row.package_id,
      publicKey: row.public_key,
      privateKeyPem: this.secrets.open(row.sealed_private_key, appKeyPlace(app.id)),
      lastVersion: row.last_version,
    };
  }

  /**
   * A package of the app at `version` is about to be installed: the next publish goes above
   * it, whether this one is installed or not (versions only need to rise; a gap is harmless).
   */
  versionUsed(appId: string, version: number): Promise<void> {
    return this.store.versionUsed(appId, version);
  }

  /**
   * Whether Paddock made this public key (base64 or base64url of the raw 32 bytes, or the
   * app id it makes) for a build app: such a key is never pinned as first-party.
   */
  async isPaddockMade(key: string): Promise<boolean> {
    if (PACKAGE_ID.test(key)) return this.store.holds({ packageId: key });
    const raw = Buffer.from(key, key.includes('-') || key.includes('_') ? 'base64url' : 'base64');
    if (raw.length !== 32) return false;
    return this.store.holds({ publicKey: raw.toString('base64') });
  }
}
