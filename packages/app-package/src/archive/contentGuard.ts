import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { PackageLimits } from './limits.js';
import { overRatio } from './entryChecks.js';
import { refuse } from './refusal.js';

/** The first bytes of native executables: ELF, Mach-O (both byte orders, fat), PE. */
const NATIVE_MAGIC: readonly Buffer[] = [
  Buffer.from([0x7f, 0x45, 0x4c, 0x46]),
  Buffer.from([0xfe, 0xed, 0xfa, 0xce]),
  Buffer.from([0xfe, 0xed, 0xfa, 0xcf]),
  Buffer.from([0xca, 0xfe, 0xba, 0xbe]),
  Buffer.from([0xcf, 0xfa, 0xed, 0xfe]),
  Buffer.from([0xce, 0xfa, 0xed, 0xfe]),
  Buffer.from('MZ', 'latin1'),
];
const HEAD_BYTES = 4;

export function isNativeMagic(head: Buffer): boolean {
  return NATIVE_MAGIC.some((m) => head.length >= m.length && head.subarray(0, m.length).equals(m));
}

export interface GuardBudget {
  limits: PackageLimits;
  /** The entry's compressed size, for its ratio. */
  compressedSize: number;
  /** Bytes the package may still give before maxTotalBytes. */
  totalLeft: number;
  /** Keep the bytes in memory up to this many (the manifest, the signature); past it, refuse. */
  keepUpTo?: number;
}

/**
 * Counts an entry's bytes as they come: the caps hold on what is actually read, whatever the
 * central directory declared, and a chunk over them throws. Also refuses native-code magic
 * bytes and hashes the content (SHA-256). `ContentGuard` is the same as a stream.
 */
export class ContentCheck {
  bytes = 0;
  /** The hex SHA-256 of everything pushed; set by `end`. */
  sha256 = '';
  private head = Buffer.alloc(0);
  private readonly hash: Hash = createHash('sha256');
  private readonly kept: Buffer[] = [];

  constructor(
    private readonly path: string,
    private readonly budget: GuardBudget,
  ) {}

  get content(): Buffer {
    return Buffer.concat(this.kept);
  }

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    const problem = this.problem();
    if (problem) throw problem;
    if (this.head.length < HEAD_BYTES) {
      this.head = Buffer.concat([this.head, chunk.subarray(0, HEAD_BYTES - this.head.length)]);
      if (this.head.length >= HEAD_BYTES && isNativeMagic(this.head)) {
        throw refuse('package_native_code', 'native code by its bytes', this.path);
      }
    }
    this.hash.update(chunk);
    if (this.budget.keepUpTo !== undefined) this.kept.push(chunk);
  }

  end(): void {
    if (isNativeMagic(this.head)) {
      throw refuse('package_native_code', 'native code by its bytes', this.path);
    }
    this.sha256 = this.hash.digest('hex');
  }

  private problem(): Error | null {
    const { limits, compressedSize, totalLeft, keepUpTo } = this.budget;
    if (keepUpTo !== undefined && this.bytes > keepUpTo) {
      return refuse('package_too_large', `entry larger than ${keepUpTo} bytes`, this.path);
    }
    if (overRatio(this.bytes, compressedSize, limits)) {
      return refuse('package_bomb', `compression ratio over ${limits.maxRatio}`, this.path);
    }
    if (this.bytes > limits.maxEntryBytes) {
      return refuse(
        'package_too_large',
        `entry larger than ${limits.maxEntryBytes} bytes`,
        this.path,
      );
    }
    if (this.bytes > totalLeft) {
      return refuse(
        'package_too_large',
        `more than ${limits.maxTotalBytes} bytes in all`,
        this.path,
      );
    }
    return null;
  }
}

/** `ContentCheck` as a pass-through stream: it stops at the first byte over a cap. */
export class ContentGuard extends Transform {
  readonly check: ContentCheck;

  constructor(path: string, budget: GuardBudget) {
    super();
    this.check = new ContentCheck(path, budget);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.check.push(chunk);
    } catch (err) {
      return done(err as Error);
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    try {
      this.check.end();
    } catch (err) {
      return done(err as Error);
    }
    done();
  }
}
