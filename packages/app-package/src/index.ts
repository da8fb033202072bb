export {
  PACKAGE_MANIFEST_FILE,
  parsePackageManifest,
  type PackageManifestIssue,
  type PackageManifestResult,
} from './manifest/parsePackageManifest.js';
export {
  appIdOf,
  base32,
  generateAppKey,
  publicKeyObject,
  rawPublicKey,
  type AppKeyPair,
} from './signing/appKeys.js';
export { PACKAGE_SIGNATURE_FILE, signPackage, verifyPackage } from './signing/packageSignature.js';
