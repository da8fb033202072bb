import { HOST_PATTERN } from '@paddock/shared';

/** The manifest's own limits, one place for the validator and the documentation. */
export const MANIFEST_LIMITS = {
  maxBytes: 64 * 1024,
  maxCommandLength: 8192,
  maxWorkers: 32,
  workerName: /^[A-Za-z0-9_-]{1,64}$/,
  /** `web` names the web process in process lists and logs, so a worker cannot take it. */
  reservedNames: ['web', 'build'] as readonly string[],
  defaultBuildTimeoutSeconds: 600,
  maxBuildTimeoutSeconds: 3600,
  /** `egress.allow`: entries written as the egress API takes them (`host`, `*.domain`). */
  maxEgressHosts: 64,
  egressHost: new RegExp(HOST_PATTERN),
  /** `publish`: what paddock-app.json takes (AppPackageManifest in @paddock/shared). */
  publish: {
    maxName: 64,
    maxDescription: 2000,
    maxVersionLabel: 32,
    maxPermissions: 64,
    maxPathBytes: 255,
    defaultEntry: 'index.html',
  },
} as const;

export const MANIFEST_FILE = 'sandbox.yaml';
