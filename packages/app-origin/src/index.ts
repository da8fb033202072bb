export { AppsAddress, APP_ID_PATTERN, domainsOverlap } from './appsAddress.js';
export { BundleTokens, BUNDLE_TOKEN_TTL_SECONDS, type BundleClaims } from './bundleTokens.js';
export {
  bundleCsp,
  bundleHeaders,
  consoleOrigin,
  refusalCsp,
  refusalHeaders,
  COMMON_HEADERS,
  type BundlePolicy,
} from './bundleHeaders.js';
export { BundleFiles, bundlePath, BUNDLE_CACHE_CONTROL, type OpenedFile } from './bundleFiles.js';
export {
  AppOriginServer,
  type AppBundle,
  type AppBundleSource,
  type AppOriginLog,
  type AppOriginOptions,
} from './appOriginServer.js';
