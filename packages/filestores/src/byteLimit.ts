import { Transform, type TransformCallback } from 'node:stream';
import { TooLarge } from './errors.js';

/** Passes bytes through, counting them; past `maxBytes` it fails with `TooLarge`. */
export class ByteLimit extends Transform {
  bytes = 0;

  constructor(private readonly maxBytes: number | undefined) {
    super();
  }

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, done: TransformCallback) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.bytes += bytes.length;
    if (this.maxBytes !== undefined && this.bytes > this.maxBytes) {
      done(new TooLarge(this.maxBytes));
      return;
    }
    done(null, bytes);
  }
}
