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
