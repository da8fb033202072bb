import fs from 'node:fs';
import { Transform, pipeline, type Readable } from 'node:stream';
import { isJson } from './output.js';
import { humanBytes } from './commands/pkgOutput.js';

const REDRAW_MS = 100;
export const CLEAR_LINE = '\r\x1b[K';
export const SPINNER = '|/-\\';

/**
 * Counts bytes passing through and draws `LABEL 1.2 MiB / 4.0 MiB 30%` (or a spinner and the
 * bytes so far, when the total is unknown) on stderr, in place. Only on a terminal and never
 * with --json: a pipe or a log gets nothing.
 */
export function progressCounter(label: string, total?: number): Transform {
  const out = process.stderr;
  const shown = out.isTTY === true && !isJson();
  let seen = 0;
  let lastDraw = -Infinity;
  let turn = 0;
  const draw = () => {
    const amount =
      total === undefined
        ? `${SPINNER[turn++ % SPINNER.length]} ${humanBytes(seen)}`
        : `${humanBytes(seen)} / ${humanBytes(total)}  ${total ? Math.floor((seen * 100) / total) : 100}%`;
    out.write(`${CLEAR_LINE}${label} ${amount}`);
  };
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      const now = Date.now();
      if (shown && now - lastDraw >= REDRAW_MS) {
        lastDraw = now;
        draw();
      }
      done(null, chunk);
    },
    flush(done) {
      if (shown) out.write(CLEAR_LINE);
      done();
    },
  });
}

/** A local file (or stdin for "-") as a request body, with its progress counted on the way. */
export function uploadBody(file: string, label: string): Readable {
  const source = file === '-' ? process.stdin : fs.createReadStream(file);
  const total = file === '-' ? undefined : fs.statSync(file).size;
  // A read error destroys the counter, which fails the request.
  return pipeline(source, progressCounter(label, total), () => undefined);
}
