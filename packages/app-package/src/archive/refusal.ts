import { PaddockError, type ErrorCode } from '@paddock/shared';

/** The codes an untrusted package is refused with (see ERROR_CODES in @paddock/shared). */
export type PackageErrorCode = Extract<ErrorCode, `package_${string}`>;

/** A refusal naming the entry, in the message and in `details`, when there is one. */
export function refuse(code: PackageErrorCode, message: string, entry?: string): PaddockError {
  if (entry === undefined) return new PaddockError(code, message);
  return new PaddockError(code, `${message}: ${JSON.stringify(entry)}`, { entry });
}
