export { PreviewProxy, PREVIEW_COOKIE, PREVIEW_TOKEN_PARAM } from './previewProxy.js';
export type { PreviewProxyOptions } from './previewProxy.js';
export { createPreviewAwareServer, type UpgradeListener } from './previewServer.js';
export { PreviewAddress } from './previewAddress.js';
export type { PreviewRates } from './previewLimits.js';
export {
  PreviewTokens,
  LINK_TTL_SECONDS,
  COOKIE_TTL_SECONDS,
  type PreviewClaims,
  type PreviewTokenKind,
} from './previewTokens.js';
export type { PreviewLog, PreviewSandbox, PreviewSandboxes } from './previewSandboxes.js';
