/**
 * A secret's value, from stdin, never from argv (where `ps` and shell history would see it):
 * piped input is read whole (one trailing newline dropped); on a terminal, a prompt on stderr
 * reads one line without echoing it.
 */
export async function readSecret(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  let value = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      stdin.on('data', (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n' || ch === '\x04') return resolve(value);
          if (ch === '\x03') return reject(new Error('interrupted'));
          if (ch === '\x7f' || ch === '\b') value = value.slice(0, -1);
          else value += ch;
        }
      });
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}
