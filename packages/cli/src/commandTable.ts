/**
 * The shape of the CLI's one command table (`commandList.ts`): main dispatches from it, and
 * `--help` and the completion scripts are read off it, so there is no second list to keep in step.
 */
export interface Subcommand {
  name: string;
  aliases?: string[];
  /** What follows `paddock CMD SUB`: positionals in CAPS, flags as written (`[--limit N]`). */
  args: string;
  summary: string;
  example: string;
  /** false when the output is raw bytes or a terminal: `--json` is then a usage error. */
  json?: false;
}

export interface Command {
  name: string;
  aliases?: string[];
  summary: string;
  /** A command without subcommands: its own arguments and example. */
  args?: string;
  example?: string;
  json?: false;
  subcommands?: Subcommand[];
  run(argv: string[]): Promise<number>;
}

/** Flags every command takes. */
export const GLOBAL_FLAGS = ['--json', '--help'];

/** The flags a usage line mentions (`--limit`, `-o`), in order, once each. */
export function flagsOf(args: string): string[] {
  return [...new Set(args.match(/(?<![\w-])--?[a-z][a-z-]*/g) ?? [])];
}

export function findCommand(commands: Command[], name: string | undefined): Command | undefined {
  return commands.find((c) => c.name === name || c.aliases?.includes(name ?? ''));
}

export function findSubcommand(command: Command, name: string | undefined): Subcommand | undefined {
  return command.subcommands?.find((s) => s.name === name || s.aliases?.includes(name ?? ''));
}

/** Whether `--json` has a meaning for this command line. */
export function takesJson(command: Command, sub: Subcommand | undefined): boolean {
  return (sub ?? command).json !== false;
}

/** A subcommand of the table, in one line there. */
export function sub(
  name: string,
  args: string,
  summary: string,
  example: string,
  more: Partial<Subcommand> = {},
): Subcommand {
  return { name, args, summary, example, ...more };
}

/** For `sub(…, RAW)`: output that is bytes or a terminal, with no JSON form. */
export const RAW = { json: false } as const;
