/**
 * Names that look like credentials. The guest agent scrubs them from every environment a child
 * inherits, and the daemon refuses them in sandbox-level env (which it stores), so a secret can
 * only reach a process when a caller passes it explicitly for one exec.
 */
const SECRET_NAME_PATTERNS: readonly RegExp[] = [
  /_TOKEN$/i,
  /^TOKEN$/i,
  /SECRET/i,
  /PASSWORD/i,
  /PASSWD/i,
  /API_?KEY/i,
  /PRIVATE_?KEY/i,
  /CREDENTIAL/i,
  /_AUTH$/i,
];

export function looksLikeSecretName(name: string): boolean {
  return SECRET_NAME_PATTERNS.some((p) => p.test(name));
}
