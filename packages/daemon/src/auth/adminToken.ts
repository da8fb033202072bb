import path from 'node:path';
import { readOrCreateSecretFile } from '@paddock/keys';
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
  const { value, created } = readOrCreateSecretFile(file, generateToken, (v) => v.length >= 16);
  return { token: value, file, generated: created };
}
