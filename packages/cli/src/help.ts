import { GLOBAL_FLAGS, flagsOf, type Command, type Subcommand } from './commandTable.js';

/** Exit codes, the same for every command (the help's last section, and docs/cli.md). */
export const EXIT_CODES = `exit codes:
  0    done
  1    the API refused or failed: "paddock: CODE: message" on stderr
  2    usage error (unknown command, a missing or extra argument, an unknown flag)
  N    paddock exec: the command's own exit code (128+signal when it was killed)
  paddock task run --follow and paddock task follow: 0 only when the task succeeded`;

const CONNECTION = `The daemon's URL and token come from PADDOCK_URL and PADDOCK_TOKEN, or from
~/.config/paddock/config.json ({"url": ..., "token": ...}). --json on any command prints the
API's answer as one JSON document instead of a table.`;

function pad(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `  ${a.padEnd(width)}  ${b}`).join('\n');
}

function usageLine(prefix: string, args: string | undefined): string {
  return args ? `${prefix} ${args}` : prefix;
}

/** `paddock --help`: every command with its summary. */
export function overviewHelp(commands: Command[]): string {
  const rows = commands.map((c): [string, string] => [c.name, c.summary]);
  return `paddock — self-hosted sandboxes for AI-built apps

usage: paddock COMMAND [SUBCOMMAND] [ARGS...] [--json] [--help]

commands:
${pad(rows)}

Run "paddock COMMAND --help" for a command's subcommands and examples.
${CONNECTION}

${EXIT_CODES}`;
}

/** `paddock CMD --help`: its subcommands (or its own usage), each with an example. */
export function commandHelp(command: Command): string {
  const head = `paddock ${command.name} — ${command.summary}`;
  const aliases = command.aliases?.length ? `\n(also: ${command.aliases.join(', ')})` : '';
  if (!command.subcommands) {
    return `${head}${aliases}

usage: ${usageLine(`paddock ${command.name}`, command.args)}
flags: ${[...flagsOf(command.args ?? ''), ...jsonFlag(command)].join(' ') || '-'}
example:
  ${command.example ?? ''}`;
  }
  const subs = command.subcommands
    .map(
      (s) =>
        `  ${usageLine(`paddock ${command.name} ${s.name}`, s.args)}\n      ${s.summary}\n      e.g. ${s.example}`,
    )
    .join('\n');
  return `${head}${aliases}\n\nsubcommands:\n${subs}\n\n${EXIT_CODES}`;
}

/** `paddock CMD SUB --help`. */
export function subcommandHelp(command: Command, sub: Subcommand): string {
  const aliases = sub.aliases?.length ? ` (also: ${sub.aliases.join(', ')})` : '';
  return `paddock ${command.name} ${sub.name} — ${sub.summary}${aliases}

usage: ${usageLine(`paddock ${command.name} ${sub.name}`, sub.args)}
flags: ${[...flagsOf(sub.args), ...jsonFlag(sub)].join(' ')}
example:
  ${sub.example}`;
}

function jsonFlag(entry: { json?: false }): string[] {
  return GLOBAL_FLAGS.filter((f) => f !== '--json' || entry.json !== false);
}
