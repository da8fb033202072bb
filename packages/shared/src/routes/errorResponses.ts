/** What each error status means, as the OpenAPI document describes it. */
export const ERROR_STATUS_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Bad request',
  401: 'Missing or invalid token',
  403: 'Forbidden',
  404: 'Not found (another owner’s resource is also not found)',
  405: 'Method not allowed',
  409: 'Conflict with the resource’s state',
  413: 'Body too large',
  415: 'Unsupported media type',
  416: 'Range not satisfiable',
  429: 'Too many requests',
  502: 'The sandbox driver failed',
  503: 'The sandbox did not answer',
  507: 'A disk is full (the workspace, or the host’s data disk)',
};

/**
 * An error answer: the `{"error": {code, message}}` envelope (`ErrorBodySchema`), by reference to
 * the `Error` component the daemon registers, instead of a copy per response.
 */
export interface ErrorResponse {
  readonly $ref: 'Error#';
  readonly description: string;
}

/** The error envelope for each listed status, for a route's `response` schema. */
export function errorResponses<const S extends readonly number[]>(
  ...statuses: S
): { readonly [K in S[number]]: ErrorResponse } {
  const out: Record<number, ErrorResponse> = {};
  for (const s of statuses) {
    out[s] = { $ref: 'Error#', description: ERROR_STATUS_DESCRIPTIONS[s] ?? 'Error' };
  }
  return out as { readonly [K in S[number]]: ErrorResponse };
}
