import { client, legacyClient } from './client.js';
import { RAW, sub, type Command } from './commandTable.js';
import { apiKeys } from './commands/apiKeys.js';
import { audit } from './commands/audit.js';
import { backup } from './commands/backup.js';
import { config } from './commands/config.js';
import { deps } from './commands/deps.js';
import { egress } from './commands/egress.js';
import { pkg } from './commands/pkg.js';
import { quota } from './commands/quota.js';
import { settings } from './commands/settings.js';
import { userspace } from './commands/userspace.js';

/** The command table's part for an app's settings and the daemon's: config, egress, settings, quotas, keys, audit, userspace, pkg. */
export const INSTANCE_COMMANDS: Command[] = [
  {
    name: 'config',
    summary: "an app's config and secrets (secret values are read from stdin, never printed)",
    subcommands: [
      sub(
        'ls',
        'APP',
        'keys, plain values, and whether each secret is set',
        'paddock config ls app0123',
      ),
      sub(
        'set',
        'APP KEY [VALUE] [--secret] [--access POLICY] [--inject-host HOST]... [--inject-header NAME] [--inject-format FORMAT]',
        'set a value; --secret reads it from stdin or a prompt; --inject-* has the egress proxy put it into a header for those hosts',
        'printf %s "$KEY" | paddock config set app0123 ANTHROPIC_API_KEY --secret --access agent_access --inject-host api.anthropic.com --inject-header x-api-key',
      ),
      sub('rm', 'APP KEY', 'delete a value', 'paddock config rm app0123 API_TOKEN'),
    ],
    run: (argv) => config(client(), argv),
  },
  {
    name: 'egress',
    summary: 'where an app or a sandbox may connect (IDs starting with sb are sandboxes)',
    subcommands: [
      sub('get', 'APP|SANDBOX', 'the baseline, allow and deny lists', 'paddock egress get app0123'),
      sub(
        'allow',
        'APP|SANDBOX HOST...',
        'add hosts to the allow list',
        'paddock egress allow app0123 api.example.com',
      ),
      sub(
        'deny',
        'APP|SANDBOX HOST...',
        'add hosts to the deny list',
        "paddock egress deny sb0123 '*.tracker.example'",
      ),
      sub(
        'denials',
        'APP|SANDBOX',
        'the latest refused connections',
        'paddock egress denials app0123',
      ),
    ],
    run: (argv) => egress(client(), argv),
  },
  {
    name: 'settings',
    summary: "the daemon's run-time settings",
    subcommands: [
      sub(
        'get',
        '[KEY]',
        'the settings in force and where each comes from',
        'paddock settings get idle_stop_seconds',
      ),
      sub(
        'set',
        'KEY=VALUE...',
        'change settings (admin); VALUE is JSON or text',
        'paddock settings set idle_stop_seconds=600',
      ),
    ],
    run: (argv) => settings(client(), argv),
  },
  {
    name: 'quota',
    aliases: ['quotas'],
    summary: "owners' quotas: limits in force, their source, and usage (admin)",
    subcommands: [
      sub('ls', '', 'every known owner', 'paddock quota ls'),
      sub('get', 'OWNER', "one owner's quotas", 'paddock quota get alice'),
      sub(
        'set',
        'OWNER KEY=VALUE...',
        "override some of an owner's quotas; VALUE default clears one",
        'paddock quota set alice sandboxes_running=5 memory_mb=8192',
      ),
      sub(
        'clear',
        'OWNER',
        'clear every override: the defaults apply',
        'paddock quota clear alice',
      ),
    ],
    run: (argv) => quota(client(), argv),
  },
  {
    name: 'keys',
    aliases: ['api-keys'],
    summary: 'API keys: create (the token is printed once), list, revoke',
    subcommands: [
      sub(
        'create',
        'NAME [--role admin|user|agent] [--owner OWNER]',
        'a new key; its token is shown this once',
        'paddock keys create ci --role agent',
      ),
      sub('ls', '', 'keys (admins see every owner)', 'paddock keys ls'),
      sub('revoke', 'KEY_ID', 'revoke a key', 'paddock keys revoke key0123'),
    ],
    run: (argv) => apiKeys(client(), argv),
  },
  {
    name: 'audit',
    summary: 'the audit log (admin)',
    subcommands: [
      sub(
        'ls',
        '[--action A] [--owner O] [--outcome ok|denied|failed] [--since T] [--until T] [--limit N]',
        'entries, newest first',
        "paddock audit ls --action 'config.*' --limit 20",
      ),
      sub(
        'export',
        '[--action A] [--owner O] [--outcome ok|denied|failed] [--since T] [--until T] [-o FILE]',
        'every matching entry as JSON lines, oldest first',
        'paddock audit export --since 2026-01-01T00:00:00Z -o audit.jsonl',
        RAW,
      ),
    ],
    run: (argv) => audit(client(), argv),
  },
  {
    name: 'backup',
    summary: 'back up the data dir while it runs (admin), restore into an empty one',
    subcommands: [
      sub(
        'create',
        'FILE [--include-key]',
        'an online, consistent tar.gz; the secrets key only with --include-key',
        'paddock backup create paddock.tar.gz',
      ),
      sub(
        'restore',
        'FILE --data-dir DIR [--key-file F]',
        'unpack into an empty data dir (offline), then paddock serve on it',
        'paddock backup restore paddock.tar.gz --data-dir /var/lib/paddock --key-file secrets.key',
      ),
    ],
    run: (argv) => backup(client, argv),
  },
  {
    name: 'deps',
    summary:
      "presets' and agent CLIs' dependency caches, and moving apps to them after an upgrade (admin)",
    subcommands: [
      sub(
        'update',
        '[--dry-run] [--prune]',
        'rebuild the caches from the pinned lockfiles, move each app its lockfile allows; --prune drops unused old entries',
        'paddock deps update --dry-run',
      ),
    ],
    run: (argv) => deps(client(), argv),
  },
  {
    name: 'userspace',
    summary: 'installed userspace apps',
    subcommands: [
      sub(
        'install',
        'FILE|HTTPS-URL [--consent]',
        'install a .paddockapp (progress on stderr)',
        'paddock userspace install Notes-2.paddockapp --consent',
      ),
      sub(
        'update',
        'FILE|HTTPS-URL [--consent]',
        'a new version of an installed app',
        'paddock userspace update Notes-3.paddockapp',
      ),
      sub('ls', '[--trashed]', 'installed (or trashed) apps', 'paddock userspace ls', {
        aliases: ['list'],
      }),
      sub(
        'rollback',
        'ID [--restore-data]',
        'back to the previous version',
        'paddock userspace rollback abcd…',
      ),
      sub(
        'uninstall',
        'ID [--purge] [--yes]',
        'to the trash; --purge --yes for good',
        'paddock userspace uninstall abcd…',
        { aliases: ['rm'] },
      ),
    ],
    run: (argv) => userspace(legacyClient(), argv),
  },
  {
    name: 'pkg',
    summary: '.paddockapp packages on this machine (no daemon)',
    subcommands: [
      sub(
        'build',
        'DIR --key KEYFILE [-o OUT.paddockapp] [--set-id]',
        'check, pack and sign an app directory',
        'paddock pkg build ./notes --key notes.pem --set-id',
        RAW,
      ),
      sub(
        'sign',
        'FILE --key KEYFILE [-o OUT]',
        'add or replace the signature',
        'paddock pkg sign Notes-2.paddockapp --key notes.pem',
        RAW,
      ),
      sub(
        'verify',
        'FILE',
        "the signature, against the manifest's id",
        'paddock pkg verify Notes-2.paddockapp',
        RAW,
      ),
      sub(
        'inspect',
        'FILE',
        'manifest, scan report and entries',
        'paddock pkg inspect Notes-2.paddockapp --json',
      ),
    ],
    run: (argv) => pkg(argv),
  },
];
