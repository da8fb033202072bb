import { Readable } from 'node:stream';

/** `n` bytes of a repeating pattern, made as they are read: a large body without the memory. */
export function patternedBytes(n: number, chunkBytes = 64 * 1024): Readable {
  let left = n;
  const chunk = Buffer.alloc(chunkBytes, 'paddock-filestore-');
  return new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const part = chunk.subarray(0, Math.min(chunk.length, left));
      left -= part.length;
      this.push(part);
    },
  });
}
