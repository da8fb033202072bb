import { notAnsweredWithin } from './agentErrors.js';
/** One call's deadline, joined to its caller's signal; `start` it once the request is sent. */
export interface AnswerDeadline {
  signal: AbortSignal | undefined;
  start: () => void;
  clear: () => void;
}

/**
 * A deadline for an agent's answer (`ms`; null: none). Code in the sandbox can take the agent's
 * place and simply never answer, so every call that has no time of its own gets one: past it the
 * call is aborted (its connection dropped) with `sandbox_unavailable`. It starts once the request
 * is sent, so an upload's own duration does not count.
 */
export function answerDeadline(ms: number | null, outer?: AbortSignal): AnswerDeadline {
  if (ms === null) return { signal: outer, start: () => undefined, clear: () => undefined };
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let cleared = false;
  return {
    signal: outer ? AbortSignal.any([outer, controller.signal]) : controller.signal,
    start: () => {
      if (cleared || timer) return;
      timer = setTimeout(() => controller.abort(notAnsweredWithin(ms)), ms);
      timer.unref();
    },
    clear: () => {
      cleared = true;
      clearTimeout(timer);
    },
  };
}
