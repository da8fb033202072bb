import { useCallback, useEffect, useState } from 'react';
import { isDaemonStopping } from '../lib/daemonStopping.js';
import { TailBuffer } from '../lib/tailBuffer.js';

/** `stopping`: paddockd ended the stream as it stops; the browser reconnects when it is back. */
export type LogStreamState = 'connecting' | 'live' | 'closed' | 'stopping';

export interface LogStream {
  text: string;
  state: LogStreamState;
  /** True once older output was dropped to stay within the memory bound. */
  trimmed: boolean;
  reconnect: () => void;
}

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
    let stopping = false;
    const buffer = new TailBuffer((shown, dropped) => {
      setText(shown);
      setTrimmed(dropped);
    });

    function onOutput(event: MessageEvent<unknown>): void {
      const chunk = frameText(event);
      if (chunk === null) return;
      buffer.add(chunk, { replace: expectTail });
      expectTail = false;
    }

    function onOpen(): void {
      expectTail = true;
      stopping = false;
      setState('live');
    }

    function onError(event: Event): void {
      stopping ||= isDaemonStopping(event);
      // The browser retries by itself unless the answer was not a stream (e.g. 404, 409).
      if (source.readyState === EventSource.CLOSED) setState('closed');
      else setState(stopping ? 'stopping' : 'connecting');
    }

    setState('connecting');
    source.addEventListener('output', onOutput);
    source.addEventListener('open', onOpen);
    source.addEventListener('error', onError);
    return () => {
      source.close();
      buffer.dispose();
    };
  }, [url, attempt]);

  const reconnect = useCallback(() => setAttempt((n) => n + 1), []);
  return { text, state, trimmed, reconnect };
}
