import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PaddockError } from '@paddock/shared';

/** Host tools always run with this PATH and nothing else from the daemon's environment. */
export const HOST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a host tool with an argv (never a shell string); resolves with its exit code. */
export function runCommand(
  file: string,
  args: string[],
  timeoutMs = 30_000,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { env: { PATH: HOST_PATH, LC_ALL: 'C' }, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          reject(
            new PaddockError(
              'driver_error',
              `${path.basename(file)} failed to run: ${err.message}`,
            ),
          );
          return;
        }
        resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
      },
    );
  });
}

/** Like runCommand, but a non-zero exit is a driver_error carrying the tool's stderr. */
export async function mustRun(file: string, args: string[], timeoutMs?: number): Promise<string> {
  const r = await runCommand(file, args, timeoutMs);
  if (r.code !== 0) {
    const detail = (r.stderr || r.stdout).trim().split('\n').slice(-3).join('; ');
    throw new PaddockError(
      'driver_error',
      `${path.basename(file)} ${args.join(' ')} exited with ${r.code}: ${detail}`,
    );
  }
  return r.stdout;
}

/** Absolute path of a host tool, or a driver_error that says how to get it. */
export function findTool(name: string, pkg: string): string {
  for (const dir of HOST_PATH.split(':')) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // try the next directory
    }
  }
  throw new PaddockError(
    'driver_error',
    `${name} not found; install it with apt-get install ${pkg}`,
  );
}

/** bubblewrap's version, or a driver_error when it is not at `bwrapPath`. */
export async function bubblewrapVersion(bwrapPath: string): Promise<string> {
  try {
    fs.accessSync(bwrapPath, fs.constants.X_OK);
  } catch {
    throw new PaddockError(
      'driver_error',
      'bubblewrap not found; install it with apt-get install bubblewrap',
    );
  }
  return (await mustRun(bwrapPath, ['--version'])).trim().replace(/^bubblewrap\s+/, '');
}

export interface HostTools {
  setpriv: string;
  mount: string;
  umount: string;
  losetup: string;
  mkfsExt4: string;
  /** Shares data mounts' directories with the sandboxes' data group (ADR 0035). */
  setfacl: string;
}

export function findHostTools(): HostTools {
  return {
    setpriv: findTool('setpriv', 'util-linux'),
    mount: findTool('mount', 'mount'),
    umount: findTool('umount', 'mount'),
    losetup: findTool('losetup', 'mount'),
    mkfsExt4: findTool('mkfs.ext4', 'e2fsprogs'),
    setfacl: findTool('setfacl', 'acl'),
  };
}
