import { Type, type Static } from 'typebox';
import { Capability } from '../capabilities.js';
import { strict } from './common.js';

/** An app's id: its Ed25519 public key in lower-case base32, no padding (a DNS label). */
export const APP_PACKAGE_ID_PATTERN = '^[a-z2-7]{52}$';

/** A path inside the package: relative, forward slashes, no `..` segment. */
const PackagePath = Type.String({
  minLength: 1,
  maxLength: 255,
  pattern: '^(?!/)(?!.*(^|/)\\.\\.(/|$))[^\\\\\\u0000-\\u001f]+$',
});

/** `paddock-app.json`, the manifest at the root of every `.paddockapp`. */
export const AppPackageManifest = Type.Object(
  {
    /** Must equal the id derived from the key that signed the package. */
    id: Type.String({ pattern: APP_PACKAGE_ID_PATTERN }),
    name: Type.String({ minLength: 1, maxLength: 64 }),
    /** Monotonic: an update must carry a higher one. */
    version: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }),
    version_label: Type.String({ minLength: 1, maxLength: 32 }),
    /** An installed version below this cannot be updated to this one (data it cannot read). */
    min_upgradable_version: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }),
    /** `web`: a static bundle served from `entry`; `service`: runs from the package's sandbox.yaml. */
    app_type: Type.Enum(['web', 'service']),
    /** Web apps: the HTML file the bundle opens with. */
    entry: Type.Optional(PackagePath),
    icon: Type.Optional(PackagePath),
    description: Type.String({ maxLength: 2000 }),
    permissions: Type.Array(Capability, { maxItems: 64, uniqueItems: true }),
    optional_permissions: Type.Array(Capability, { maxItems: 64, uniqueItems: true }),
    release_notes: Type.Optional(Type.String({ maxLength: 10_000 })),
  },
  { ...strict, $id: 'AppPackageManifest' },
);
export type AppPackageManifest = Static<typeof AppPackageManifest>;
