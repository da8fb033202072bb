const DESCRIPTIONS: Record<number, string> = {
  400: 'Bad request',
  401: 'Missing or invalid token',
  403: 'Forbidden',
  404: 'Not found (another owner’s resource is also not found)',
  409: 'Conflict with the resource’s state',
  413: 'Body too large',
  415: 'Unsupported media type',
  502: 'The sandbox driver failed',
  503: 'The sandbox did not answer',
  507: 'The workspace disk is full',
};

/** The error envelope for each listed status, for a route's `response` schema. */
export function errorResponses(...statuses: number[]): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const s of statuses) {
    // One shared component (registered in openapi.ts) instead of a copy per response.
    out[s] = { $ref: 'Error#', description: DESCRIPTIONS[s] ?? 'Error' };
  }
  return out;
}
