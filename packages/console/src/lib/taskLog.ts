// A task's log as the stream view shows it. The agent providers write one line per message
// (see @paddock/agents): `→ Tool: args` for a tool call, `  ← output` (or `  ← error: …`) for
// its result, `[paddock] …` for what Paddock itself says (the build check, a missing key, why a
// task failed), and plain text for the agent's own words and a command's output.

export type LogLineKind = 'tool' | 'tool-result' | 'tool-error' | 'paddock' | 'error' | 'text';

export function classifyLogLine(line: string): LogLineKind {
  if (line.startsWith('→ ')) return 'tool';
  if (line.startsWith('  ← error:')) return 'tool-error';
  if (line.startsWith('  ← ')) return 'tool-result';
  if (line.startsWith('[paddock] the task failed') || line.startsWith('Failed: ')) return 'error';
  if (line.startsWith('[paddock]')) return 'paddock';
  return 'text';
}

// CSI sequences (colours, cursor moves) and OSC ones (titles, links), as a CLI may print.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]/g;

/**
 * A terminal's escape sequences removed, and a line redrawn with carriage returns (a progress
 * bar) shown as it was last drawn.
 */
export function cleanTerminalText(text: string): string {
  return text
    .replace(ANSI, '')
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((line) => {
      if (!line.includes('\r')) return line;
      const drawn = line.split('\r').filter((part) => part !== '');
      return drawn.at(-1) ?? '';
    })
    .join('\n');
}

export interface LogLine {
  kind: LogLineKind;
  text: string;
}

export function logLines(text: string): LogLine[] {
  const lines = text.split('\n');
  // A trailing newline ends the last line; it does not start an empty one.
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line) => ({ kind: classifyLogLine(line), text: line }));
}
