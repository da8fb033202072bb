import { Transform, type TransformCallback } from 'node:stream';

const STAR = 0x2a;

/**
 * The spellings of a secret an upstream is likely to echo: as sent, JSON-escaped (also with
 * `\/`, as PHP writes it) and percent-encoded. Longest first, so a secret that contains another
 * is masked whole. Best effort: a truncated, base64'd or otherwise re-encoded echo passes.
 */
function spellings(secrets: string[]): string[] {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (s.length === 0) continue;
    const json = JSON.stringify(s).slice(1, -1);
    for (const form of [s, json, json.replace(/\//g, '\\/'), encodeURIComponent(s)]) {
      forms.add(form);
    }
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

/**
 * Masks every occurrence of the given secrets in a byte stream with as many `*`, also when an
 * occurrence spans chunks. Only a chunk's tail that could begin a secret waits for the next
 * chunk, so streamed responses (server-sent events) are not held back. The length never
 * changes, so a response's content-length still holds. The egress proxy runs responses from
 * hosts that got a secret through it, so an API that echoes a key does not hand it inward.
 */
export class SecretMask extends Transform {
  private carry: Buffer = Buffer.alloc(0);
  private readonly forms: string[];
  private readonly secrets: Buffer[];

  constructor(secrets: string[]) {
    super();
    this.forms = spellings(secrets);
    this.secrets = this.forms.map((s) => Buffer.from(s));
  }

  /** `text` masked the same way (for header values of the same response). */
  text(text: string): string {
    return maskForms(text, this.forms);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const joined =
      this.carry.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.carry, chunk]);
    maskInPlace(joined, this.secrets);
    const keep = this.heldBack(joined);
    this.carry = Buffer.from(joined.subarray(joined.length - keep));
    done(null, joined.subarray(0, joined.length - keep));
  }

  override _flush(done: TransformCallback): void {
    done(null, this.carry);
  }

  /** The longest tail of `buf` that is the start of some secret. */
  private heldBack(buf: Buffer): number {
    let keep = 0;
    for (const s of this.secrets) {
      for (let n = Math.min(s.length - 1, buf.length); n > keep; n--) {
        if (buf.compare(s, 0, n, buf.length - n, buf.length) === 0) {
          keep = n;
          break;
        }
      }
    }
    return keep;
  }
}

/** `text` with every spelling of the secrets masked (for header values). */
export function maskText(text: string, secrets: string[]): string {
  return maskForms(text, spellings(secrets));
}

function maskForms(text: string, forms: string[]): string {
  let out = text;
  for (const s of forms) out = out.split(s).join('*'.repeat(s.length));
  return out;
}

function maskInPlace(buf: Buffer, secrets: Buffer[]): void {
  for (const secret of secrets) {
    for (let at = buf.indexOf(secret); at !== -1; at = buf.indexOf(secret, at + secret.length)) {
      buf.fill(STAR, at, at + secret.length);
    }
  }
}
