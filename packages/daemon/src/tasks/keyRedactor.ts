const MASK = '[redacted]';

/**
 * Masks a secret in a stream of text that may split it across chunks: the last
 * `secret.length - 1` characters wait for the next chunk before they are released.
 */
export class KeyRedactor {
  private carry = '';

  constructor(private readonly secret: string | undefined) {}

  push(text: string): string {
    if (!this.secret) return text;
    const joined = (this.carry + text).split(this.secret).join(MASK);
    const keep = Math.min(joined.length, this.secret.length - 1);
    this.carry = joined.slice(joined.length - keep);
    return joined.slice(0, joined.length - keep);
  }

  /** The rest; a trailing piece that could be the start of the secret is masked too. */
  end(): string {
    const rest = this.carry;
    this.carry = '';
    if (!this.secret) return rest;
    for (let n = Math.min(rest.length, this.secret.length - 1); n > 0; n--) {
      if (this.secret.startsWith(rest.slice(rest.length - n))) {
        return rest.slice(0, rest.length - n) + MASK;
      }
    }
    return rest;
  }

  /** A whole message at once (a reason, an error). */
  static mask(text: string, secret: string | undefined): string {
    return secret ? text.split(secret).join(MASK) : text;
  }
}
