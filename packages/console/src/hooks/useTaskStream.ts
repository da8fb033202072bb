import { useCallback, useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { Session, Task, TaskStatus, TaskStreamFrame } from '@paddock/shared';
import { SseParser } from '@paddock/shared/browser';
import { ApiError, isUnauthorized, requestBytes } from '../api/client.js';
import { queryKeys } from '../api/queryKeys.js';
import { taskStreamUrl } from '../api/tasks.js';
import { DAEMON_STOPPING } from '../lib/daemonStopping.js';
import { TailBuffer } from '../lib/tailBuffer.js';

/**
 * `connecting`: the first request is out; `live`: frames arrive; `reconnecting`: the stream
 * broke before the task's end and is being asked for again; `stopping`: the same, because
 * paddockd ended it as it stops; `ended`: the result came; `failed`: it could not be followed
 * (see `error`).
 */
export type TaskStreamState =
  'connecting' | 'live' | 'reconnecting' | 'stopping' | 'ended' | 'failed';

export interface TaskStream {
  /** The log so far (its last ~200 KB). */
  text: string;
  trimmed: boolean;
  /** The task's status as the stream last said it; null before the first frame. */
  status: TaskStatus | null;
  /** The task as it ended, with its result; null until then. */
  result: Task | null;
  state: TaskStreamState;
  error: unknown;
  retry: () => void;
}

/** A broken stream is asked for again after 1, 2, 4 … up to 15 s, this many times in a row. */
const RECONNECTS_MAX = 8;
const TASK_FRAMES = new Set(['log', 'status', 'result', 'error']);
/** The stream's last frame when paddockd ends it (`daemon_stopping` as it stops). */
type StreamError = { event: 'error'; data: { code: string; message: string } };

function backoffMs(attempt: number): number {
  return Math.min(15_000, 1000 * 2 ** (attempt - 1));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Follows a task over its SSE stream (fetch and the shared SseParser, so a 404 is told apart
 * from a dropped connection, and nothing reconnects once the task has ended). Every connection
 * starts with the whole log so far, which replaces what is shown; later frames append.
 */
export function useTaskStream(taskId: string, sandboxId: string, appId: string): TaskStream {
  const client = useQueryClient();
  const [text, setText] = useState('');
  const [trimmed, setTrimmed] = useState(false);
  const [status, setStatus] = useState<TaskStatus | null>(null);
  const [result, setResult] = useState<Task | null>(null);
  const [state, setState] = useState<TaskStreamState>('connecting');
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    const signal = abort.signal;
    const buffer = new TailBuffer((shown, dropped) => {
      setText(shown);
      setTrimmed(dropped);
    });

    function onLog(chunk: string, backlog: boolean): void {
      buffer.add(chunk, { replace: backlog });
    }

    function ended(task: Task): void {
      buffer.flush();
      setResult(task);
      setStatus(task.status);
      setState('ended');
      client.setQueryData<Task[]>(queryKeys.tasks(sandboxId), (list) =>
        list?.map((t) => (t.id === task.id ? task : t)),
      );
      void client.invalidateQueries({ queryKey: queryKeys.tasks(sandboxId) });
      void client.invalidateQueries({ queryKey: queryKeys.app(appId) });
    }

    /** Set by paddockd's closing event, until a connection is live again. */
    let daemonStopping = false;

    /** One connection; true once the task's result came. */
    async function follow(first: boolean): Promise<boolean> {
      setState(first ? 'connecting' : daemonStopping ? 'stopping' : 'reconnecting');
      const response = await requestBytes('GET', taskStreamUrl(taskId), {
        signal,
        headers: { accept: 'text/event-stream' },
      });
      if (!response.body) throw new ApiError(0, 'bad_response', 'paddockd sent no stream');
      setState('live');
      setError(null);
      daemonStopping = false;
      const parser = new SseParser<TaskStreamFrame | StreamError>((event) =>
        TASK_FRAMES.has(event),
      );
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      // The first log frame of a connection is the whole log so far.
      let backlog = true;
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return false;
          for (const frame of parser.push(value)) {
            if (frame.event === 'log') {
              onLog(frame.data.text, backlog);
              backlog = false;
            } else if (frame.event === 'status') {
              setStatus(frame.data.status);
            } else if (frame.event === 'error') {
              daemonStopping = frame.data.code === DAEMON_STOPPING;
              return false;
            } else {
              ended(frame.data);
              return true;
            }
          }
        }
      } finally {
        reader.cancel().catch(() => undefined);
      }
    }

    async function run(): Promise<void> {
      let failures = 0;
      for (;;) {
        try {
          if (await follow(failures === 0)) return;
          // The stream ended without a result: the daemon restarted, or cut a slow reader.
        } catch (err) {
          if (signal.aborted) return;
          if (isUnauthorized(err)) client.setQueryData<Session | null>(queryKeys.session, null);
          // A 4xx (no such task, too many followers) will not change by asking again.
          if (err instanceof ApiError && err.status >= 400 && err.status < 500) {
            setError(err);
            setState('failed');
            return;
          }
          setError(err);
        }
        if (signal.aborted) return;
        failures++;
        if (failures > RECONNECTS_MAX) {
          setState('failed');
          return;
        }
        setState(daemonStopping ? 'stopping' : 'reconnecting');
        await sleep(backoffMs(failures), signal);
        if (signal.aborted) return;
      }
    }

    setState('connecting');
    setError(null);
    void run();
    return () => {
      abort.abort();
      buffer.dispose();
    };
  }, [taskId, sandboxId, appId, client, attempt]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return { text, trimmed, status, result, state, error, retry };
}
