import crypto from 'node:crypto';
import fs from 'node:fs';
import type { FastifyBaseLogger } from 'fastify';
import {
  keyFile,
  keyId,
  open,
  parseKey,
  seal,
  sealedKeyId,
  writeKeyFile,
  type MasterKey,
} from '@paddock/keys';
import { failpoint, PaddockError, type SecretsStatus } from '@paddock/shared';

export interface SecretsServiceOptions {
  current: MasterKey;
  /** A rotation's next key found on disk at start (secrets.key.next). */
  pendingNext: MasterKey | null;
  stateDir: string;
  store: SealedValues;
  log: FastifyBaseLogger;
}

/**
 * One sealed value where it is kept. `place` names where (an app's config key, a build app's
 * signing key) and is its additional data, so it opens only there: no two values share one.
 */
export interface SealedValue {
  place: string;
  sealed: string;
}

/**
 * Where sealed values are kept (every table holding one, see SealedRows): read all of them,
 * and replace them all at once in a rotation, every row or none.
 */
export interface SealedValues {
  sealedRows(): Promise<SealedValue[]>;
  /** Replaces each value at its place, in one transaction. */
  resealAll(rows: SealedValue[]): Promise<void>;
}

/** Where an app's sensitive config value lives; its additional data, so it opens only there. */
export function sealPlace(appId: string, key: string): string {
  return `app-config:${appId}:${key}`;
}

/** Where a value of the whole install lives (the model API key `app.llm` calls with). */
export function instancePlace(name: string): string {
  return `instance-secret:${name}`;
}

/** Where a build app's signing key (the private half, PEM) lives. */
export function appKeyPlace(appId: string): string {
  return `app-signing-key:${appId}`;
}

/**
 * The master key and everything sealed with it: seal and open sensitive values, tell a lost or
 * changed key apart (`secrets_key_mismatch`, never garbage), and rotate the key in one
 * transaction.
 */
export class SecretsService {
  private key: MasterKey;
  /** Sealed values exist under a key we do not have: nothing may be sealed or opened. */
  private mismatch: string | null = null;

  constructor(private readonly o: SecretsServiceOptions) {
    this.key = o.current;
  }

  /** At start: finish or undo an interrupted rotation, then check the key opens what is stored. */
  async init(): Promise<void> {
    const ids = new Set(
      (await this.o.store.sealedRows()).map((r) => sealedKeyId(r.sealed) ?? 'unknown'),
    );
    const next = this.o.pendingNext;
    if (next !== null) {
      const file = keyFile(this.o.stateDir);
      if (ids.size > 0 && [...ids].every((id) => id === next.id)) {
        // The re-encryption committed; only the key file's rename was left.
        fs.renameSync(`${file}.next`, file);
        this.key = next;
        this.o.log.warn({ key_id: next.id }, 'finished an interrupted secrets key rotation');
      } else {
        fs.rmSync(`${file}.next`, { force: true });
        this.o.log.warn('discarded the next key of a rotation that did not commit');
      }
    }
    const foreign = [...ids].filter((id) => id !== this.key.id);
    if (foreign.length > 0) {
      this.mismatch =
        `stored secrets were sealed with key ${foreign.join(', ')} but the current key is ` +
        `${this.key.id}; restore the original PADDOCK_SECRETS_KEY or state/secrets.key`;
      this.o.log.error({ key_id: this.key.id, sealed_with: foreign }, this.mismatch);
    }
  }

  /** The key values are sealed with now: its id for a backup's manifest, its bytes only when asked. */
  currentKey(): MasterKey {
    return this.key;
  }

  seal(plaintext: string, place: string): string {
    this.assertUsable();
    return seal(this.key, plaintext, place);
  }

  /** The plaintext, for the daemon's own use only (the egress proxy); never for a response. */
  open(sealed: string, place: string): string {
    this.assertUsable();
    const result = open(this.key, sealed, place);
    if (!result.ok) {
      throw new PaddockError(
        'secrets_key_mismatch',
        result.reason === 'other_key'
          ? 'this secret was sealed with another master key'
          : 'this secret does not open with the master key (altered or moved)',
      );
    }
    return result.plaintext;
  }

  async status(): Promise<SecretsStatus> {
    const rows = await this.o.store.sealedRows();
    const readable = rows.filter((r) => open(this.key, r.sealed, r.place).ok).length;
    return { key_id: this.key.id, source: this.key.source, sealed: rows.length, readable };
  }

  /**
   * Re-encrypts every sealed value with a new key in one transaction. With a key file the new
   * key is written beside it first (`.next`) and renamed in after the commit, so a crash at any
   * point leaves a key that opens every value (see init). With PADDOCK_SECRETS_KEY the caller
   * supplies the new key and must put it in the environment before the next start.
   */
  async rotate(newKeyText: string | undefined): Promise<{ key_id: string; rotated: number }> {
    this.assertUsable();
    if (this.key.source === 'env' && newKeyText === undefined) {
      throw new PaddockError(
        'bad_request',
        'the key comes from PADDOCK_SECRETS_KEY: send new_key, then set it in the environment',
      );
    }
    let newKey: Buffer;
    try {
      newKey = newKeyText === undefined ? crypto.randomBytes(32) : parseKey(newKeyText, 'new_key');
    } catch (err) {
      throw new PaddockError('bad_request', (err as Error).message);
    }
    const next: MasterKey = { key: newKey, id: keyId(newKey), source: this.key.source };
    if (next.id === this.key.id)
      throw new PaddockError('bad_request', 'new_key is the current key');
    const rows = await this.o.store.sealedRows();
    const resealed = rows.map((r) => ({
      place: r.place,
      sealed: seal(next, this.open(r.sealed, r.place), r.place),
    }));
    const file = keyFile(this.o.stateDir);
    if (this.key.source === 'file') writeKeyFile(`${file}.next`, newKey);
    failpoint('secrets.rotate.next_written');
    await this.o.store.resealAll(resealed);
    failpoint('secrets.rotate.committed');
    if (this.key.source === 'file') fs.renameSync(`${file}.next`, file);
    this.key = next;
    this.o.log.info({ key_id: next.id, rotated: rows.length }, 'rotated the secrets master key');
    return { key_id: next.id, rotated: rows.length };
  }

  private assertUsable(): void {
    if (this.mismatch !== null) throw new PaddockError('secrets_key_mismatch', this.mismatch);
  }
}
