import fs from 'node:fs';
import path from 'node:path';
import { generateToken } from './tokens.js';

export interface AdminToken {
  token: string;
  /** Where the generated token was written; undefined when it came from the environment. */
  file: string | undefined;
  generated: boolean;
}

/**
 * The admin token comes from PADDOCK_ADMIN_TOKEN, or from a 0600 file in the data dir that is
 * created on first start. The token itself is never logged; only the file's path is.
 */
export function resolveAdminToken(stateDir: string, fromEnv: string | undefined): AdminToken {
  if (fromEnv !== undefined) return { token: fromEnv, file: undefined, generated: false };
  const file = path.join(stateDir, 'admin-token');
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing.length >= 16) {
      fs.chmodSync(file, 0o600);
      return { token: existing, file, generated: false };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const token = generateToken();
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, file, generated: true };
}
