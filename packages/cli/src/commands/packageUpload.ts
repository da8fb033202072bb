import fs from 'node:fs';
import { pipeline, Transform } from 'node:stream';
import type { ApiClient } from '../apiClient.js';
import { humanBytes } from './pkgOutput.js';
import { PACKAGE_MEDIA_TYPE } from './userspaceRequests.js';

/** Where progress goes: stderr, or anything that says whether it is a terminal. */
export interface ProgressOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

const REDRAW_MS = 100;
const CLEAR_LINE = '\r\x1b[K';

/**
 * An upload's progress on a terminal: bytes sent of the total and the percentage, redrawn in
 * place, then "installing…" until the answer. Elsewhere (a pipe, a log) a single line once the
 * upload is done.
 */
export class UploadProgress {
  private sent = 0;
  private lastDraw = -Infinity;
  /** Something is on the terminal's current line. */
  private open = false;

  constructor(
    private readonly total: number,
    private readonly out: ProgressOutput,
    private readonly now: () => number = Date.now,
  ) {}

  add(bytes: number): void {
    this.sent += bytes;
    if (!this.out.isTTY) return;
    const t = this.now();
    if (t - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = t;
    this.draw();
  }

  /** Every byte is handed over: the daemon checks and installs the package now. */
  uploaded(): void {
    if (this.out.isTTY) {
      this.draw();
      this.out.write('\ninstalling…');
      this.open = true;
    } else {
      const total = `${humanBytes(this.sent)}${this.sent < 1024 ? '' : ` (${this.sent} bytes)`}`;
      this.out.write(`uploaded ${total}; installing…\n`);
    }
  }

  /** The answer came (or the upload failed): the terminal's line is cleared for what follows. */
  end(): void {
    if (this.open) this.out.write(CLEAR_LINE);
    this.open = false;
  }

  private draw(): void {
    const percent = this.total === 0 ? 100 : Math.floor((this.sent * 100) / this.total);
    this.out.write(
      `${CLEAR_LINE}uploading ${humanBytes(this.sent)} / ${humanBytes(this.total)}  ${percent}%`,
    );
    this.open = true;
  }
}

/**
 * POSTs a package file as the raw body, streamed from the disk, with its progress on `out`;
 * answers the daemon's response.
 */
export async function uploadPackage(
  api: ApiClient,
  path: string,
  file: string,
  out: ProgressOutput = process.stderr,
): Promise<Response> {
  const st = await fs.promises.stat(file);
  if (!st.isFile()) throw new Error(`not a file: ${file}`);
  const { size } = st;
  const progress = new UploadProgress(size, out);
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      progress.add(chunk.length);
      done(null, chunk);
    },
    flush(done) {
      progress.uploaded();
      done();
    },
  });
  // A read error destroys the counter, which fails the request.
  const body = pipeline(fs.createReadStream(file), counter, () => undefined);
  try {
    return await api.request('POST', path, { body, contentType: PACKAGE_MEDIA_TYPE });
  } finally {
    progress.end();
  }
}
