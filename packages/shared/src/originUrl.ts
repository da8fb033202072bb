/**
 * Whether a configured URL names an origin and nothing else: `http(s)://host[:port]`, with no
 * path, query, fragment or credentials. The console and installed apps are served at the root
 * of their origins, so a configured address with more in it would be a misconfiguration.
 */
export function isBareOrigin(url: URL): boolean {
  return (
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.pathname === '/' &&
    url.search === '' &&
    url.hash === '' &&
    url.username === '' &&
    url.password === ''
  );
}
