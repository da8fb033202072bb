import { useCallback, useEffect, useState } from 'react';
import { keepTail } from '../lib/boundedText.js';

export type LogStreamState = 'connecting' | 'live' | 'closed';

export interface LogStream {
  text: string;
  state: LogStreamState;
  /** True once older output was dropped to stay within the memory bound. */
  trimmed: boolean;
  reconnect: () => void;
}

/** Output arrives in bursts; render at most this often. */
const FLUSH_MS = 50;

function frameText(event: MessageEvent<unknown>): string | null {
  if (typeof event.data !== 'string') return null;
  try {
    const parsed: unknown = JSON.parse(event.data);
    if (typeof parsed === 'object' && parsed !== null && 'text' in parsed) {
      return typeof parsed.text === 'string' ? parsed.text : null;
    }
  } catch {
    // A malformed frame is skipped, the stream goes on.
  }
  return null;
}

/**
 * Follows a process's output over SSE. The first `output` frame after every (re)connect is the
 * current tail, so it replaces what is shown instead of repeating it; later frames append.
 */
export function useLogStream(url: string): LogStream {
  const [text, setText] = useState('');
  const [trimmed, setTrimmed] = useState(false);
  const [state, setState] = useState<LogStreamState>('connecting');
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const source = new EventSource(url, { withCredentials: true });
    let expectTail = true;
    let replace = false;
    let pending = '';
    let timer: ReturnType<typeof setTimeout> | null = null;

    // What is shown, kept here too so that each flush is one plain state update.
    let shown = '';
    let dropped = false;

    function flush(): void {
      timer = null;
      const whole = replace ? pending : shown + pending;
      shown = keepTail(whole);
      dropped ||= shown.length < whole.length;
      pending = '';
      replace = false;
      setText(shown);
      setTrimmed(dropped);
    }

    function onOutput(event: MessageEvent<unknown>): void {
      const chunk = frameText(event);
      if (chunk === null) return;
      if (expectTail) {
        expectTail = false;
        replace = true;
        pending = chunk;
      } else {
        pending += chunk;
      }
      // Bounded between renders too: a hidden tab may flush rarely.
      const kept = keepTail(pending);
      dropped ||= kept.length < pending.length;
      pending = kept;
      timer ??= setTimeout(flush, FLUSH_MS);
    }

    function onOpen(): void {
      expectTail = true;
      setState('live');
    }

    function onError(): void {
      // The browser retries by itself unless the answer was not a stream (e.g. 404, 409).
      setState(source.readyState === EventSource.CLOSED ? 'closed' : 'connecting');
    }

    setState('connecting');
    source.addEventListener('output', onOutput);
    source.addEventListener('open', onOpen);
    source.addEventListener('error', onError);
    return () => {
      source.close();
      if (timer !== null) clearTimeout(timer);
    };
  }, [url, attempt]);

  const reconnect = useCallback(() => setAttempt((n) => n + 1), []);
  return { text, state, trimmed, reconnect };
}
