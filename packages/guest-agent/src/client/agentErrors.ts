import { AGENT_ERROR_CODES, PaddockError, isErrorCode } from '@paddock/shared';

/*
 * The agent runs inside the sandbox, as the sandbox's uid, so code in the sandbox can replace or
 * impersonate it. Nothing it answers is trusted: every error is checked against the known codes,
 * and anything that is not a well-formed answer becomes `agent_error` (502), never `internal`
 * (which the daemon would render as its own 500).
 */

/** Error messages passed on are cut to this many characters. */
const MAX_ERROR_MESSAGE_CHARS = 8192;

/** The codes passed on as they are: the agent's own vocabulary, never `unauthorized` and the like. */
const PASSED_ON: ReadonlySet<string> = new Set<string>(AGENT_ERROR_CODES);

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function agentError(what: string): PaddockError {
  return new PaddockError('agent_error', `guest agent ${what}`);
}

/**
 * The abort reason of a call whose answer did not come within `ms`: to the daemon, a sandbox
 * that did not answer (503), like any other that cannot be reached.
 */
export function notAnsweredWithin(ms: number): PaddockError {
  return new PaddockError('sandbox_unavailable', `guest agent did not answer within ${ms} ms`);
}

function isAbort(err: unknown, signal?: AbortSignal): boolean {
  return signal?.aborted === true || (err as Error | null)?.name === 'AbortError';
}

/** Whatever went wrong on the wire, the daemon sees one code: the sandbox did not answer. */
function unavailable(err: unknown): PaddockError {
  const e = err as NodeJS.ErrnoException;
  // node's HTTP parser errors: something answered, but not with HTTP we can read.
  if (typeof e.code === 'string' && e.code.startsWith('HPE_')) {
    return agentError(`sent an invalid HTTP answer (${e.code})`);
  }
  return new PaddockError(
    'sandbox_unavailable',
    `guest agent unreachable: ${e.code ?? e.message ?? String(err)}`,
  );
}

/** A PaddockError as it is, an abort as the signal's reason, anything else as unavailable. */
export function rethrow(err: unknown, signal?: AbortSignal): never {
  if (err instanceof PaddockError) throw err;
  if (isAbort(err, signal)) throw signal?.reason ?? err;
  throw unavailable(err);
}

/**
 * An error code and message from the agent, as far as they can be passed on: a known code, and
 * not a server error other than the two that describe the sandbox. Anything else is agent_error.
 */
export function checkedError(error: unknown, context: string): PaddockError {
  if (!isObject(error) || typeof error.code !== 'string') {
    return agentError(`${context} without a valid error body`);
  }
  const code = error.code;
  // The code text itself is not repeated: it came from the sandbox.
  if (!isErrorCode(code)) return agentError(`${context} with an unknown error code`);
  if (!PASSED_ON.has(code)) return agentError(`failed (${context}, ${code})`);
  const message =
    typeof error.message === 'string' && error.message !== ''
      ? error.message.slice(0, MAX_ERROR_MESSAGE_CHARS)
      : code;
  return new PaddockError(code, message);
}
