import type http from 'node:http';

/** Hop-by-hop headers (RFC 9110 7.6.1), never passed on in either direction. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];
/** Headers minus hop-by-hop ones, including those a Connection header names. */
export function passOn(incoming: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const named = String(incoming.connection ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || HOP_BY_HOP.includes(name) || named.includes(name)) continue;
    out[name] = value;
  }
  return out;
}
