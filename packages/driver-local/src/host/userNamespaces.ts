import { PaddockError } from '@paddock/shared';
import { runCommand, type HostTools } from './hostCommands.js';

/**
 * Fail at start, with a reason, if unprivileged user namespaces are off on this host: bubblewrap
 * is run once as `nobody` with the namespaces every sandbox gets.
 */
export async function assertUserNamespaces(bwrapPath: string, tools: HostTools): Promise<void> {
  const r = await runCommand(tools.setpriv, [
    '--reuid=65534',
    '--regid=65534',
    '--clear-groups',
    '--no-new-privs',
    bwrapPath,
    '--unshare-user',
    '--disable-userns',
    '--unshare-pid',
    '--unshare-net',
    '--ro-bind',
    '/',
    '/',
    '--',
    '/bin/true',
  ]);
  if (r.code !== 0) {
    throw new PaddockError(
      'driver_error',
      `bubblewrap cannot create a sandbox as an unprivileged user: ${r.stderr.trim()} ` +
        '(check kernel.unprivileged_userns_clone, user.max_user_namespaces and AppArmor userns restrictions)',
    );
  }
}
