import { client } from './client.js';
import { RAW, sub, type Command } from './commandTable.js';
import { app } from './commands/app.js';
import { completion } from './commands/completion.js';
import { open } from './commands/open.js';
import { INSTANCE_COMMANDS } from './commandListInstance.js';
import { WORKSPACE_COMMANDS } from './commandListWorkspace.js';

/** Every `paddock` command, in the order `--help` lists them. */
export const COMMANDS: Command[] = [
  {
    name: 'serve',
    summary: 'run paddockd in the foreground',
    args: '',
    example: 'PADDOCK_DATA_DIR=~/.paddock paddock serve',
    json: false,
    // Loaded only here: the daemon is a large import every other command can do without.
    run: async () => (await import('./commands/serve.js')).serve(),
  },
  {
    name: 'app',
    aliases: ['apps'],
    summary: 'apps: a name, a preset and a sandbox with a preview',
    subcommands: [
      sub('presets', '', 'the presets an app can start from', 'paddock app presets'),
      sub(
        'create',
        'NAME --preset PRESET [--wait]',
        'create an app and its sandbox; --wait shows its start (dependency warm-up) until it serves',
        'paddock app create site --preset react-vite --wait',
      ),
      sub('ls', '', 'every app, with its sandbox and preview status', 'paddock app ls'),
      sub(
        'get',
        'APP',
        'the app with its sandbox, processes and preview',
        'paddock app get app0123',
      ),
      sub('url', 'APP', 'the preview link, to open in a browser', 'paddock app url app0123'),
      sub(
        'wake',
        'APP [--wait]',
        "start the app's sandbox again; --wait until it serves",
        'paddock app wake app0123 --wait',
      ),
      sub(
        'rm',
        'APP... [--purge]',
        'remove apps (--purge also deletes the workspace)',
        'paddock app rm app0123 --purge',
      ),
      sub(
        'checkpoints',
        'APP [--limit N]',
        'checkpoints, newest first; * marks HEAD',
        'paddock app checkpoints app0123 --limit 5',
      ),
      sub(
        'fork',
        'APP CHECKPOINT [--name NAME]',
        'a new app starting from a checkpoint',
        "paddock app fork app0123 3f2a9c1d --name 'site v2'",
      ),
      sub(
        'publish',
        'APP [--consent]',
        'build, sign and install the app as a userspace app',
        'paddock app publish app0123 --consent',
      ),
      sub(
        'export',
        'APP [--format tar.gz|zip] [--git] [-o FILE]',
        'the workspace as an archive',
        'paddock app export app0123 -o site.tar.gz',
        RAW,
      ),
      sub(
        'import',
        'FILE|--git URL --name NAME [--ref REF] [--token-env VAR] [--review]',
        'a project from an archive or a git repository',
        'paddock app import ./site.zip --name site',
      ),
      sub(
        'confirm',
        'APP [--manifest FILE]',
        'start an import held for review',
        'paddock app confirm app0123 --manifest sandbox.yaml',
      ),
      sub(
        'push',
        'APP --branch BRANCH [--url URL] [--force]',
        'push the workspace to a git branch',
        'paddock app push app0123 --branch main',
      ),
      sub(
        'pull',
        'APP --branch BRANCH [--url URL]',
        'pull a git branch into the workspace',
        'paddock app pull app0123 --branch main',
      ),
    ],
    run: (argv) => app(client(), argv),
  },
  ...WORKSPACE_COMMANDS,
  {
    name: 'open',
    summary: "open an app's preview in the browser",
    args: 'APP [--print]',
    example: 'paddock open app0123',
    run: (argv) => open(client(), argv),
  },
  ...INSTANCE_COMMANDS,
  {
    name: 'gc',
    summary: 'host state left by sandboxes whose data dir is gone or whose daemon is not running',
    args: '[--yes] [--runtime-dir DIR]',
    example: 'sudo paddock gc --yes',
    // Loaded only here: it reads the host directly through the local driver.
    run: async (argv) => (await import('./commands/gc.js')).gc(argv),
  },
  {
    name: 'completion',
    summary: 'a shell completion script for bash or zsh',
    args: 'bash|zsh',
    example: 'source <(paddock completion bash)',
    json: false,
    run: (argv) => completion(COMMANDS, argv),
  },
  {
    name: 'mcp',
    summary: "serve Paddock's tools to a coding agent over MCP (stdio)",
    args: '',
    example: 'paddock mcp',
    json: false,
    // Loaded only when asked for, as serve is: other commands start without the MCP SDK.
    run: async (argv) => (await import('./commands/mcp.js')).mcp(argv),
  },
];
