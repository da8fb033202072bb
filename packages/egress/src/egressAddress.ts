import net from 'node:net';

/** Addresses no egress may reach, whatever a rule says: this host, private networks, metadata. */
const FORBIDDEN = new net.BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['::ffff:0:0', 96],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv6');
}

/** Why `address` may not be a destination, or null when it is a public address. */
export function forbiddenAddress(address: string): string | null {
  const family = net.isIP(address);
  if (family === 0) return 'not an address';
  // An IPv4-mapped IPv6 address is checked as the IPv4 address it carries.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return forbiddenAddress(mapped[1]!);
  if (address === '169.254.169.254') return 'metadata';
  return FORBIDDEN.check(address, family === 4 ? 'ipv4' : 'ipv6') ? 'non-public address' : null;
}

export function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === '::1' || /^::ffff:127\./i.test(address);
}

/** `PADDOCK_EGRESS_RESOLVE`: `host=ip[:port],...`, for development and tests only. */
export type ResolveOverrides = ReadonlyMap<string, { address: string; port: number | null }>;

export function parseResolveOverrides(text: string | undefined): ResolveOverrides {
  const map = new Map<string, { address: string; port: number | null }>();
  for (const item of (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([a-z0-9.*-]+)=(\[[0-9a-f:]+\]|[0-9.]+)(?::(\d{1,5}))?$/i.exec(item);
    if (!m) throw new Error(`PADDOCK_EGRESS_RESOLVE: cannot read "${item}" (want host=ip[:port])`);
    const address = m[2]!.replace(/^\[|\]$/g, '');
    if (net.isIP(address) === 0)
      throw new Error(`PADDOCK_EGRESS_RESOLVE: bad address in "${item}"`);
    map.set(m[1]!.toLowerCase(), { address, port: m[3] ? Number(m[3]) : null });
  }
  return map;
}
