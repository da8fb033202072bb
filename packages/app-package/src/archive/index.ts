export { contentDigest, digestOf } from './contentDigest.js';
export { extractPackage } from './extract.js';
export { inspectPackage, type PackageListing } from './inspect.js';
export { DEFAULT_PACKAGE_LIMITS, type PackageLimits } from './limits.js';
export type { FileKind, ScanReport } from './scanReport.js';
export { MANIFEST_PATH, SIGNATURE_PATH, type PackageEntry } from './walk.js';
