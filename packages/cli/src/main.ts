import { PaddockError } from '@paddock/shared';
import { PaddockError as SdkError } from '@paddock/sdk';
import { UsageError } from './args.js';
import { COMMANDS } from './commandList.js';
import { findCommand, findSubcommand, takesJson } from './commandTable.js';
import { commandHelp, overviewHelp, subcommandHelp } from './help.js';
import { setJsonMode } from './output.js';

/** The arguments before a `--` (after it they are a command's own, for `exec`). */
function ownArgs(argv: string[]): string[] {
  const dash = argv.indexOf('--');
  return dash < 0 ? argv : argv.slice(0, dash);
}

/** `--json` comes off the arguments wherever it is (before `--`): it is every command's. */
function takeJson(argv: string[]): { argv: string[]; json: boolean } {
  const own = ownArgs(argv);
  const kept = own.filter((a) => a !== '--json');
  return { argv: [...kept, ...argv.slice(own.length)], json: kept.length !== own.length };
}

/** The CLI's entry: returns nothing, sets the exit code. */
export async function main(argv: string[]): Promise<void> {
  process.exitCode = await run(argv);
}

async function run(argvIn: string[]): Promise<number> {
  const { argv, json } = takeJson(argvIn);
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const target = findCommand(COMMANDS, rest[0]);
    console.log(target ? commandHelp(target) : overviewHelp(COMMANDS));
    return name === undefined ? 2 : 0;
  }
  const command = findCommand(COMMANDS, name);
  if (!command) {
    console.error(`paddock: unknown command "${name}"\n\n${overviewHelp(COMMANDS)}`);
    return 2;
  }
  const sub = findSubcommand(command, rest[0]);
  const own = ownArgs(rest);
  if (own.includes('--help') || own.includes('-h')) {
    console.log(sub ? subcommandHelp(command, sub) : commandHelp(command));
    return 0;
  }
  if (command.subcommands && !sub) {
    console.error(
      `paddock: ${rest[0] === undefined ? 'a subcommand is needed' : `unknown subcommand "${rest[0]}"`}\n\n${commandHelp(command)}`,
    );
    return 2;
  }
  if (json && !takesJson(command, sub)) {
    console.error(
      `paddock: ${[command.name, sub?.name].filter(Boolean).join(' ')} has no --json form`,
    );
    return 2;
  }
  setJsonMode(json);
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError || isParseArgsError(err)) {
      // The message says what was wrong; the table's usage says what is right.
      const message = (err as Error).message;
      if (message) console.error(`paddock: ${message}\n`);
      console.error(sub ? subcommandHelp(command, sub) : commandHelp(command));
      return 2;
    }
    return failed(err);
  }
}

/** An API or other error: its line on stderr, exit code 1. */
function failed(err: unknown): number {
  if (err instanceof PaddockError || err instanceof SdkError) {
    console.error(`paddock: ${err.code}: ${err.message}`);
    return 1;
  }
  console.error(`paddock: ${err instanceof Error ? err.message : String(err)}`);
  return 1;
}

/** node:util parseArgs refusing an unknown flag or a missing value: a usage error. */
function isParseArgsError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
