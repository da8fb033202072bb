import { memo, useLayoutEffect, useMemo, useRef } from 'react';
import { cleanTerminalText, logLines, type LogLine } from '../lib/taskLog.js';

interface TaskLogProps {
  text: string;
  label: string;
  /** Shown in place of the log while it is empty. */
  empty: string;
}

/** How close to the bottom (px) still counts as "following" the output. */
const FOLLOW_SLACK_PX = 24;

/** One line; unchanged lines are not rendered again as output arrives. */
const Line = memo(function Line({ kind, text }: LogLine) {
  return (
    <span className={`log-line log-${kind}`}>
      {text}
      {'\n'}
    </span>
  );
});

/**
 * A task's log: the agent's messages, its tool calls (→) and their results (←), what Paddock
 * says ([paddock]) and a command's output. Follows new output unless the reader scrolled up.
 */
export function TaskLog({ text, label, empty }: TaskLogProps) {
  const lines = useMemo(() => logLines(cleanTerminalText(text)), [text]);
  const preRef = useRef<HTMLPreElement>(null);
  const followRef = useRef(true);

  useLayoutEffect(() => {
    const pre = preRef.current;
    if (pre && followRef.current) pre.scrollTop = pre.scrollHeight;
  }, [lines]);

  function handleScroll(): void {
    const pre = preRef.current;
    if (!pre) return;
    followRef.current = pre.scrollHeight - pre.scrollTop - pre.clientHeight <= FOLLOW_SLACK_PX;
  }

  return (
    <pre
      ref={preRef}
      className="log-output task-log"
      data-testid="task-log"
      tabIndex={0}
      role="region"
      aria-label={label}
      onScroll={handleScroll}
    >
      {lines.length === 0 ? (
        <span className="log-empty">{empty}</span>
      ) : (
        lines.map((line, index) => <Line key={index} kind={line.kind} text={line.text} />)
      )}
    </pre>
  );
}
