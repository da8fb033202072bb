import fs from 'node:fs';
import path from 'node:path';
import { isAlive, processIdentity, type ProcessIdentity } from './procStat.js';

/** The file in a data dir's runtime dir naming the process that owns its sandboxes now. */
export const OWNER_FILE = 'owner.json';

export interface OwnerRecord extends ProcessIdentity {
  data_dir: string;
}

/**
 * Record this process (pid + start time, so a recycled pid never counts) as the owner of the
 * data dir's sandboxes. `paddock gc` leaves a data dir alone while its owner is alive.
 */
export function writeOwner(runtimeDir: string, dataDir: string): void {
  const me = processIdentity(process.pid);
  if (me === null) return;
  const record: OwnerRecord = { ...me, data_dir: dataDir };
  const file = path.join(runtimeDir, OWNER_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export function readOwner(runtimeDir: string): OwnerRecord | null {
  try {
    const r = JSON.parse(fs.readFileSync(path.join(runtimeDir, OWNER_FILE), 'utf8')) as OwnerRecord;
    return typeof r.data_dir === 'string' && Number.isInteger(r.pid) ? r : null;
  } catch {
    return null;
  }
}

export function ownerAlive(record: OwnerRecord): boolean {
  return isAlive({ pid: record.pid, start_time: record.start_time });
}
