import type { Command } from './commandTable.js';

/** One row of docs/cli.md's command table: the usage, what it does, an example. */
export type ReferenceRow = [usage: string, summary: string, example: string];

/** The command table as docs/cli.md lists it: read off the same table as --help. */
export function commandReference(commands: Command[]): ReferenceRow[] {
  const noJson = (entry: { json?: false }) => (entry.json === false ? ' (no `--json`)' : '');
  return commands.flatMap((c): ReferenceRow[] =>
    c.subcommands
      ? c.subcommands.map((s) => [
          `paddock ${c.name} ${s.name} ${s.args}`.trim(),
          s.summary + noJson(s),
          s.example,
        ])
      : [[`paddock ${c.name} ${c.args ?? ''}`.trim(), c.summary + noJson(c), c.example ?? '']],
  );
}

/** Rows as a Markdown table (`|` escaped in cells). */
export function referenceMarkdown(rows: ReferenceRow[]): string {
  const cell = (s: string, code: boolean) => {
    const escaped = s.replaceAll('|', '\\|');
    return code ? `\`${escaped}\`` : escaped;
  };
  return [
    '| command | what it does | example |',
    '| --- | --- | --- |',
    ...rows.map(([u, s, e]) => `| ${cell(u, true)} | ${cell(s, false)} | ${cell(e, true)} |`),
  ].join('\n');
}
