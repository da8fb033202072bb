import {
  PaddockError,
  exceededLimits,
  looksLikeSecretName,
  type CreateSandboxBody,
  type SandboxLimits,
} from '@paddock/shared';

/** A create request's limits (defaults filled in, within the admin's ceiling) and its env. */
export function checkCreate(
  body: CreateSandboxBody,
  defaults: SandboxLimits,
  max: SandboxLimits,
): { limits: SandboxLimits; env: Record<string, string> } {
  const limits = { ...defaults, ...body.limits };
  const over = exceededLimits(limits, max);
  if (over.length > 0) {
    throw new PaddockError(
      'limit_exceeded',
      `requested ${over.join(', ')} above the admin-set maximum`,
      Object.fromEntries(over.map((k) => [k, { requested: limits[k], max: max[k] }])),
    );
  }
  const env = body.env ?? {};
  const secretish = Object.keys(env).filter(looksLikeSecretName);
  if (secretish.length > 0) {
    throw new PaddockError(
      'env_name_looks_secret',
      `sandbox env would be stored, so credential-like names are refused: ${secretish.join(', ')}; pass them in an exec's env instead`,
    );
  }
  return { limits, env };
}

/** A driver's failure as the API reports it: its own PaddockError, or `driver_error`. */
export function asDriverError(err: unknown, op: string): PaddockError {
  if (err instanceof PaddockError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new PaddockError('driver_error', `sandbox ${op} failed: ${message}`);
}
