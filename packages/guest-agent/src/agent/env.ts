import fs from 'node:fs';
import {
  CONTROL_PLANE_HOST,
  EGRESS_PROXY_PORT,
  GUEST_CA_BUNDLE,
  GUEST_EGRESS_CA,
  GUEST_FETCH_PRELOAD,
  GUEST_TOKEN_FILE,
  GUEST_TOOLS_BIN,
  looksLikeSecretName,
} from '@paddock/shared';

/**
 * Fixed and free of workspace directories, so nothing written into the workspace shadows a
 * binary; the shared cache's package managers (read-only, the daemon's) come last.
 */
export const CHILD_PATH = `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${GUEST_TOOLS_BIN}`;

/** How the driver hands sandbox-level env to the agent without mixing it with the agent's own. */
export const SANDBOX_ENV_PREFIX = 'PADDOCK_SANDBOX_ENV_';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type EnvMap = Record<string, string>;

const PROXY_URL = `http://127.0.0.1:${EGRESS_PROXY_PORT}`;
const NO_PROXY = 'localhost,127.0.0.1,::1';

/**
 * How children reach the egress proxy (the only way out): the proxy variables in both
 * spellings, Node's own switch for them (Node 24+), the fetch preload for older Node, and the
 * proxy's CA for the tools that read a variable instead of the system store. Each file-backed
 * entry only when the driver put the file there.
 */
export function egressEnv(exists: (file: string) => boolean = fs.existsSync): EnvMap {
  const env: EnvMap = {
    HTTP_PROXY: PROXY_URL,
    HTTPS_PROXY: PROXY_URL,
    http_proxy: PROXY_URL,
    https_proxy: PROXY_URL,
    NO_PROXY,
    no_proxy: NO_PROXY,
    NODE_USE_ENV_PROXY: '1',
    // The daemon's API, through the proxy, with this sandbox's own short-lived token.
    PADDOCK_API_URL: `http://${CONTROL_PLANE_HOST}`,
    PADDOCK_TOKEN_FILE: GUEST_TOKEN_FILE,
  };
  if (exists(GUEST_FETCH_PRELOAD)) env.NODE_OPTIONS = `--require ${GUEST_FETCH_PRELOAD}`;
  if (exists(GUEST_EGRESS_CA)) env.NODE_EXTRA_CA_CERTS = GUEST_EGRESS_CA;
  if (exists(GUEST_CA_BUNDLE)) {
    env.SSL_CERT_FILE = GUEST_CA_BUNDLE;
    env.REQUESTS_CA_BUNDLE = GUEST_CA_BUNDLE;
    env.CURL_CA_BUNDLE = GUEST_CA_BUNDLE;
    // git's libcurl (gnutls on Debian) reads neither of the above, only its own variable.
    env.GIT_SSL_CAINFO = GUEST_CA_BUNDLE;
  }
  return env;
}

let cachedEgressEnv: EnvMap | undefined;

/**
 * The sandbox-level variables found in the agent's environment, prefix stripped and
 * credential-like names dropped. Everything else in the agent's environment stays with the agent.
 */
export function inheritedSandboxEnv(
  agentEnv: Readonly<Record<string, string | undefined>>,
): EnvMap {
  const out: EnvMap = Object.create(null) as EnvMap;
  for (const [key, value] of Object.entries(agentEnv)) {
    if (value === undefined || !key.startsWith(SANDBOX_ENV_PREFIX)) continue;
    const name = key.slice(SANDBOX_ENV_PREFIX.length);
    if (!ENV_NAME.test(name) || looksLikeSecretName(name)) continue;
    out[name] = value;
  }
  return out;
}

export interface ChildEnvInput {
  /** The workspace as children see it; it is their HOME. */
  workspace: string;
  /** The child's working directory, for PWD. */
  cwd: string;
  /** Already scrubbed by `inheritedSandboxEnv`. */
  inherited: Readonly<EnvMap>;
  /** The request's own variables: the caller chose them, so they are not scrubbed. */
  explicit?: Readonly<EnvMap>;
}

/** The complete environment of one child: fixed base, then sandbox env, then explicit env. */
export function buildChildEnv(input: ChildEnvInput): EnvMap {
  // A null prototype keeps a variable named `__proto__` an ordinary entry.
  const env: EnvMap = Object.create(null) as EnvMap;
  Object.assign(env, {
    PATH: CHILD_PATH,
    HOME: input.workspace,
    USER: 'sandbox',
    LANG: 'C.UTF-8',
    TERM: 'xterm-256color',
    PWD: input.cwd,
    // npm's cache under .cache/ (not ~/.npm), which snapshots and checkpoints leave out: a
    // workspace carries no copy of every package it ever fetched.
    npm_config_cache: `${input.workspace}/.cache/npm`,
    // The files do not change while the agent runs: look once.
    ...(cachedEgressEnv ??= egressEnv()),
  });
  for (const [k, v] of Object.entries(input.inherited)) env[k] = v;
  for (const [k, v] of Object.entries(input.explicit ?? {})) env[k] = v;
  return env;
}
