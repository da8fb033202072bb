/** `K=V` pairs from repeated flags into a map; a pair without `=` is a usage error. */
export function keyValues(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new UsageError(`expected KEY=VALUE, got "${pair}"`);
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

export class UsageError extends Error {}
