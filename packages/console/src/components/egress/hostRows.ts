/** A list as edited: one host per row, possibly empty or repeated while typing. */
export type HostRows = string[];

/** What to send: each row trimmed and lower-cased, empties and repeats left out. */
export function hostsToSend(rows: HostRows): { hosts: string[]; rowOf: number[] } {
  const hosts: string[] = [];
  const rowOf: number[] = [];
  rows.forEach((row, index) => {
    const host = row.trim().toLowerCase();
    if (host === '' || hosts.includes(host)) return;
    hosts.push(host);
    rowOf.push(index);
  });
  return { hosts, rowOf };
}

/**
 * The list and position the daemon's schema error names ("body/allow/2 must match pattern"),
 * so that row can be marked; null when the message names none.
 */
export function rejectedEntry(message: string): { list: 'allow' | 'deny'; index: number } | null {
  const match = /body\/(allow|deny)\/(\d+)/.exec(message);
  if (!match) return null;
  return { list: match[1] === 'deny' ? 'deny' : 'allow', index: Number(match[2]) };
}
