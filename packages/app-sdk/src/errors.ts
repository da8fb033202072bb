import type { CapabilityRequiredDetails } from '@paddock/shared';

/**
 * A call that did not succeed. `code` is the broker's stable code (`capability_required`,
 * `quota_exceeded`, `rate_limited`, `validation_failed`, ...) or one of the SDK's own:
 * `timeout`, `not_in_desktop`, `disconnected`, `network`, `bad_response`.
 */
export class PaddockError extends Error {
  readonly code: string;
  readonly details: unknown;
  /** The HTTP status, when the answer came over HTTP. */
  readonly status: number | undefined;

  constructor(code: string, message: string, details?: unknown, status?: number) {
    super(message);
    this.name = 'PaddockError';
    this.code = code;
    this.details = details;
    this.status = status;
  }

  /** The missing capability, when the broker refused for lack of one. */
  get capabilityRequired(): CapabilityRequiredDetails | null {
    if (this.code !== 'capability_required') return null;
    const d = this.details as Partial<CapabilityRequiredDetails> | null | undefined;
    return typeof d?.capability === 'string' ? (d as CapabilityRequiredDetails) : null;
  }
}

/** `{error: {code, message, details}}`, the API's error envelope, as a PaddockError. */
export function errorFromEnvelope(body: unknown, status?: number): PaddockError | null {
  if (typeof body !== 'object' || body === null || !('error' in body)) return null;
  const inner = (body as { error: unknown }).error;
  if (typeof inner !== 'object' || inner === null) return null;
  const { code, message, details } = inner as {
    code?: unknown;
    message?: unknown;
    details?: unknown;
  };
  if (typeof code !== 'string') return null;
  return new PaddockError(code, typeof message === 'string' ? message : code, details, status);
}
