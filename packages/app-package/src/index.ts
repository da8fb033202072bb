export {
  contentDigest,
  DEFAULT_PACKAGE_LIMITS,
  extractPackage,
  inspectPackage,
  MANIFEST_PATH,
  SIGNATURE_PATH,
  type FileKind,
  type PackageEntry,
  type PackageLimits,
  type PackageListing,
  type ScanReport,
} from './archive/index.js';
export {
  parsePackageManifest,
  type PackageManifestIssue,
  type PackageManifestResult,
} from './manifest/parsePackageManifest.js';
export {
  appIdOf,
  appKeyFromPem,
  base32,
  generateAppKey,
  publicKeyObject,
  rawPublicKey,
  type AppKeyPair,
} from './signing/appKeys.js';
export { signPackage, verifyPackage } from './signing/packageSignature.js';
export { packPackage, signPackageFile, type PackOptions, type PackResult } from './pack/index.js';
export { InstalledVersions, type Recovery } from './install/installedVersions.js';
export {
  DEFAULT_DOWNLOAD_LIMITS,
  checkedTarget,
  downloadPackage,
  type DownloadLimits,
  type DownloadOptions,
} from './fetch/packageDownload.js';
export {
  assertNotForbidden,
  assertUpgradable,
  beyondCeiling,
  permissionDiff,
} from './install/permissionRules.js';
export { openPackage, type OpenedPackage } from './install/openPackage.js';
