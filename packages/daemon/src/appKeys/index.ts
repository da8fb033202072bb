import type { SecretsService } from '../secrets/index.js';
import type { Db } from '../store/database.js';
import { AppKeyStore } from './appKeyStore.js';
import { AppKeys } from './appKeys.js';

export type { AppKeys, AppSigningKey } from './appKeys.js';

/**
 * Build apps' signing keys: one Ed25519 pair per app Paddock publishes, sealed under the
 * secrets master key. `isPaddockMade` is what the first-party pin refuses
 * (`publisher_key_not_pinnable`).
 */
export function createAppKeys(d: { db: Db; secrets: SecretsService }) {
  const keys = new AppKeys(new AppKeyStore(d.db), d.secrets);
  return { keys, isPaddockMade: (publicKey: string) => keys.isPaddockMade(publicKey) };
}
