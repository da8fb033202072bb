import { GLOBAL_FLAGS, flagsOf, type Command } from '../commandTable.js';
import { UsageError } from '../args.js';

/** `paddock completion bash|zsh`: a completion script made from the command table. */
export async function completion(commands: Command[], argv: string[]): Promise<number> {
  const [shell, ...extra] = argv;
  if (extra.length || (shell !== 'bash' && shell !== 'zsh')) {
    throw new UsageError('usage: paddock completion bash|zsh');
  }
  console.log(shell === 'bash' ? bashScript(commands) : zshScript(commands));
  return 0;
}

function names(entry: { name: string; aliases?: string[] }): string[] {
  return [entry.name, ...(entry.aliases ?? [])];
}

function flags(entry: { args?: string; json?: false }): string {
  const args = entry.args ?? '';
  const global = GLOBAL_FLAGS.filter((f) => f !== '--json' || entry.json !== false);
  return [...flagsOf(args), ...global].join(' ');
}

/** A single-quoted shell word. */
function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export function bashScript(commands: Command[]): string {
  const cases = commands.map((c) => {
    const label = names(c).join('|');
    if (!c.subcommands) {
      return `    ${label})\n      [[ $cur == -* ]] && COMPREPLY=($(compgen -W ${quote(flags(c))} -- "$cur")) ;;`;
    }
    const subs = c.subcommands.flatMap(names).join(' ');
    const subCases = c.subcommands
      .map((s) => `        ${names(s).join('|')}) words=${quote(flags(s))} ;;`)
      .join('\n');
    return `    ${label})
      if ((COMP_CWORD == 2)); then
        COMPREPLY=($(compgen -W ${quote(subs)} -- "$cur")); return
      fi
      local words=''
      case "\${COMP_WORDS[2]}" in
${subCases}
      esac
      [[ $cur == -* ]] && COMPREPLY=($(compgen -W "$words" -- "$cur")) ;;`;
  });
  return `# paddock completion for bash: source <(paddock completion bash)
_paddock() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  COMPREPLY=()
  if ((COMP_CWORD == 1)); then
    COMPREPLY=($(compgen -W ${quote(commands.flatMap(names).concat('help').join(' '))} -- "$cur")); return
  fi
  case "\${COMP_WORDS[1]}" in
${cases.join('\n')}
  esac
}
complete -o default -F _paddock paddock`;
}

/** `name:summary` items for zsh's _describe (a colon in a name is escaped). */
function described(entries: { name: string; aliases?: string[]; summary: string }[]): string {
  return entries
    .flatMap((e) => names(e).map((n) => quote(`${n.replace(/:/g, '\\:')}:${e.summary}`)))
    .join(' ');
}

export function zshScript(commands: Command[]): string {
  const cases = commands.map((c) => {
    const label = names(c).join('|');
    if (!c.subcommands) return `    ${label}) _paddock_flags ${flags(c)} ;;`;
    const subCases = c.subcommands
      .map((s) => `        ${names(s).join('|')}) _paddock_flags ${flags(s)} ;;`)
      .join('\n');
    return `    ${label})
      if ((CURRENT == 3)); then
        local -a subs; subs=(${described(c.subcommands)}); _describe subcommand subs; return
      fi
      case $words[3] in
${subCases}
        *) _files ;;
      esac ;;`;
  });
  return `# paddock completion for zsh: source <(paddock completion zsh), after compinit
_paddock_flags() {
  if [[ $PREFIX == -* ]]; then compadd -- "$@"; else _files; fi
}
_paddock() {
  if ((CURRENT == 2)); then
    local -a cmds; cmds=(${described(commands)}); _describe command cmds; return
  fi
  case $words[2] in
${cases.join('\n')}
  esac
}
compdef _paddock paddock`;
}
