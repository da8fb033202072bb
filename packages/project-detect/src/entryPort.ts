import type { ProjectFiles } from './projectFiles.js';

/** The port a server gets through PORT (the supervisor sets PORT and HOST for `web`). */
export const DEFAULT_NODE_PORT = 3000;

const READS_PORT =
  /\bprocess\.env\.PORT\b|\bprocess\.env\[\s*['"]PORT['"]\s*\]|\{[^}]*\bPORT\b[^}]*\}\s*=\s*process\.env/;
/** `.listen(8080`, `port: 8080`, `const PORT = 8080`: a literal the server binds. */
const FIXED_PORT = /\.listen\(\s*(\d{2,5})\b|\bport\s*[:=]\s*(\d{2,5})\b/i;

/**
 * The port a Node server listens on, read from its entry file: PORT when the file reads it
 * (the manifest's port is then what it binds), else a literal port it names, else PORT's.
 */
export async function entryPort(
  files: ProjectFiles,
  file: string | null,
): Promise<{ port: number; note: string }> {
  const text = file === null ? null : await files.text(file);
  if (file === null || text === null) {
    return {
      port: DEFAULT_NODE_PORT,
      note: `the server is expected to listen on $PORT (${DEFAULT_NODE_PORT})`,
    };
  }
  if (READS_PORT.test(text)) {
    return { port: DEFAULT_NODE_PORT, note: `${file} reads PORT: it gets ${DEFAULT_NODE_PORT}` };
  }
  const m = FIXED_PORT.exec(text);
  const literal = m ? Number(m[1] ?? m[2]) : NaN;
  if (literal >= 1 && literal <= 65535) {
    return { port: literal, note: `${file} listens on port ${literal} (it does not read PORT)` };
  }
  return {
    port: DEFAULT_NODE_PORT,
    note: `could not see which port ${file} listens on: ${DEFAULT_NODE_PORT}, through PORT, is assumed`,
  };
}
