import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PaddockError } from '@paddock/shared';

export const DEFAULT_UID_CLAIM_DIR = '/var/lib/paddock/uids';
export const UID_RANGE = { first: 1_000_000, last: 1_999_999 } as const;

/**
 * The host group every sandbox with a data mount gets as its one supplementary group (ADR
 * 0035): sandboxes each run as their own uid, yet a filestore is shared between them and the
 * daemon, so access goes through this group, by POSIX ACLs on the filestore's files. Just above
 * the uid range, so never a sandbox's own gid; never a host group either (assertDataGidFree).
 */
export const DATA_GID = UID_RANGE.last + 1;

/** Who holds a uid: written into the claim file so a claim can be checked before release. */
export interface UidOwner {
  data_dir: string;
  sandbox_id: string;
}

interface Claim extends UidOwner {
  uid: number;
  claimed_at: string;
}

export interface UidAllocatorOptions {
  claimDir?: string;
  range?: { first: number; last: number };
  /** Host account files whose ids are never handed out (and subordinate-id files). */
  passwdFile?: string;
  groupFile?: string;
  subuidFile?: string;
  subgidFile?: string;
}

/** Ids named in passwd/group-style files (third field). */
function accountIds(file: string): Set<number> {
  const ids = new Set<number>();
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return ids;
  }
  for (const line of text.split('\n')) {
    const id = Number(line.split(':')[2]);
    if (line.trim() !== '' && Number.isInteger(id)) ids.add(id);
  }
  return ids;
}

/** Ranges from /etc/subuid-style files (`user:start:count`), given to rootless containers. */
function subordinateRanges(file: string): Array<[number, number]> {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: Array<[number, number]> = [];
  for (const line of text.split('\n')) {
    const [, start, count] = line.split(':').map(Number);
    if (Number.isInteger(start) && Number.isInteger(count)) out.push([start!, start! + count! - 1]);
  }
  return out;
}

/** A host group or subordinate range holding DATA_GID would share every filestore: refuse. */
export function assertDataGidFree(groupFile = '/etc/group', subgidFile = '/etc/subgid'): void {
  const where = accountIds(groupFile).has(DATA_GID)
    ? `a group in ${groupFile}`
    : subordinateRanges(subgidFile).some(([a, b]) => DATA_GID >= a && DATA_GID <= b)
      ? `in a subordinate range of ${subgidFile}`
      : null;
  if (where !== null) {
    throw new PaddockError(
      'driver_error',
      `gid ${DATA_GID}, the sandboxes' data group, is ${where}; free it to use data mounts`,
    );
  }
}

/**
 * Hands every sandbox its own unprivileged host uid (gid = uid). A uid is claimed host-wide by
 * creating `<claimDir>/<uid>` with O_EXCL, so daemons with different data dirs (tests run several
 * at once) never share one, without any lock or coordinating process.
 */
export class UidAllocator {
  readonly claimDir: string;
  private readonly range: { first: number; last: number };
  private readonly reserved: (id: number) => boolean;

  constructor(options: UidAllocatorOptions = {}) {
    this.claimDir = options.claimDir ?? DEFAULT_UID_CLAIM_DIR;
    this.range = options.range ?? UID_RANGE;
    if (this.range.first <= 0 || this.range.last < this.range.first) {
      throw new PaddockError('driver_error', 'the sandbox uid range must be above 0');
    }
    const uids = accountIds(options.passwdFile ?? '/etc/passwd');
    const gids = accountIds(options.groupFile ?? '/etc/group');
    const sub = [
      ...subordinateRanges(options.subuidFile ?? '/etc/subuid'),
      ...subordinateRanges(options.subgidFile ?? '/etc/subgid'),
    ];
    this.reserved = (id) =>
      id === 0 || uids.has(id) || gids.has(id) || sub.some(([a, b]) => id >= a && id <= b);
    fs.mkdirSync(this.claimDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(this.claimDir, 0o700);
  }

  /** Claim a free uid for `owner`. Starts at a random point so concurrent daemons rarely probe the same ids. */
  allocate(owner: UidOwner): number {
    const size = this.range.last - this.range.first + 1;
    const start = crypto.randomInt(size);
    for (let i = 0; i < size; i++) {
      const uid = this.range.first + ((start + i) % size);
      if (this.reserved(uid)) continue;
      const claim: Claim = { uid, ...owner, claimed_at: new Date().toISOString() };
      let fd: number;
      try {
        fd = fs.openSync(this.claimFile(uid), 'wx', 0o600);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw new PaddockError(
          'driver_error',
          `cannot claim a sandbox uid in ${this.claimDir}: ${String(err)}`,
        );
      }
      try {
        fs.writeSync(fd, `${JSON.stringify(claim)}\n`);
      } finally {
        fs.closeSync(fd);
      }
      return uid;
    }
    throw new PaddockError(
      'driver_error',
      `no free sandbox uid left in ${this.range.first}-${this.range.last}`,
    );
  }

  /** Who holds `uid`, or null if nobody (or the claim is unreadable). */
  owner(uid: number): UidOwner | null {
    try {
      const claim = JSON.parse(fs.readFileSync(this.claimFile(uid), 'utf8')) as Claim;
      return { data_dir: claim.data_dir, sandbox_id: claim.sandbox_id };
    } catch {
      return null;
    }
  }

  /** Give the uid back, but only if `owner` still holds it. */
  release(uid: number, owner: UidOwner): boolean {
    const current = this.owner(uid);
    if (
      current === null ||
      current.data_dir !== owner.data_dir ||
      current.sandbox_id !== owner.sandbox_id
    ) {
      return false;
    }
    fs.rmSync(this.claimFile(uid), { force: true });
    return true;
  }

  /** Every claim held by sandboxes of one data dir. */
  claimsOf(dataDir: string): Array<{ uid: number; sandbox_id: string }> {
    const out: Array<{ uid: number; sandbox_id: string }> = [];
    for (const name of fs.readdirSync(this.claimDir)) {
      const uid = Number(name);
      if (!Number.isInteger(uid)) continue;
      const owner = this.owner(uid);
      if (owner?.data_dir === dataDir) out.push({ uid, sandbox_id: owner.sandbox_id });
    }
    return out;
  }

  private claimFile(uid: number): string {
    return path.join(this.claimDir, String(uid));
  }
}
