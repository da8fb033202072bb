import type { RuntimeManifest, SupervisedSpec } from '@paddock/shared';

/** The web process's name in the supervisor (reserved in the manifest, so no worker has it). */
export const WEB_PROCESS = 'web';

export interface ProcessEnvironment {
  /** The preview's base domain (no port), so dev servers can allow it as a host or origin. */
  previewDomain: string;
  /** The app's config for its processes; the runtime's own variables win over it. */
  appEnv?: Record<string, string>;
}

/** A valid manifest → what the guest agent's supervisor runs. */
export function supervisedSpecs(
  manifest: RuntimeManifest,
  env: ProcessEnvironment,
): SupervisedSpec[] {
  const shared = { ...env.appEnv, PADDOCK_PREVIEW_DOMAIN: env.previewDomain };
  const specs: SupervisedSpec[] = [];
  if (manifest.web) {
    specs.push({
      name: WEB_PROCESS,
      kind: 'web',
      command: manifest.web.command,
      port: manifest.web.port,
      health_path: manifest.web.health_path,
      // Conventional names, so a server that reads them binds where the preview looks.
      env: { ...shared, PORT: String(manifest.web.port), HOST: '127.0.0.1' },
    });
  }
  for (const w of manifest.workers) {
    specs.push({ name: w.name, kind: 'worker', command: w.command, env: { ...shared } });
  }
  return specs;
}
