import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Connection {
  url: string;
  token: string;
}

interface ConfigFile {
  url?: string;
  token?: string;
}

function readJson(file: string): ConfigFile {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ConfigFile;
  } catch {
    return {};
  }
}

function readToken(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where the daemon is and which token to use: PADDOCK_URL / PADDOCK_TOKEN, then the config file
 * (`$PADDOCK_CONFIG` or ~/.config/paddock/config.json), then a local daemon's admin-token file.
 */
export function resolveConnection(env: NodeJS.ProcessEnv = process.env): Connection {
  const configPath =
    env.PADDOCK_CONFIG ?? path.join(os.homedir(), '.config', 'paddock', 'config.json');
  const file = readJson(configPath);
  const port = env.PADDOCK_PORT ?? '7070';
  const url = (env.PADDOCK_URL || file.url || `http://127.0.0.1:${port}`).replace(/\/+$/, '');
  const dataDir = path.resolve(env.PADDOCK_DATA_DIR ?? '.paddock');
  const token =
    env.PADDOCK_TOKEN ||
    file.token ||
    env.PADDOCK_ADMIN_TOKEN ||
    readToken(path.join(dataDir, 'state', 'admin-token'));
  if (!token) {
    throw new Error(`no token: set PADDOCK_TOKEN, or put {"url","token"} in ${configPath}`);
  }
  return { url, token };
}
