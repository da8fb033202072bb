import type { AppPackageManifest, PublishSection } from '@paddock/shared';

/**
 * The paddock-app.json of a build app's package, from its publish section: the id is the
 * app's signing key's, the version the publish counter's next, and what the section leaves
 * out is the app's (its name) or a default (the version number as its label).
 */
export function packageManifest(o: {
  appName: string;
  section: PublishSection;
  packageId: string;
  version: number;
}): AppPackageManifest {
  const { section } = o;
  return {
    id: o.packageId,
    name: (section.name ?? o.appName).slice(0, 64),
    version: o.version,
    version_label: section.version_label ?? String(o.version),
    min_upgradable_version: 1,
    app_type: section.type,
    ...(section.type === 'web' ? { entry: section.entry! } : {}),
    ...(section.icon !== undefined ? { icon: section.icon } : {}),
    description: section.description ?? '',
    permissions: section.permissions,
    optional_permissions: section.optional_permissions,
  };
}
