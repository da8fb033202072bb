import { memo, useMemo, useState } from 'react';
import type { ChangedFile, Task } from '@paddock/shared';
import { useTaskDiff } from '../api/tasks.js';
import { highlightLine, languageOf, type Language } from '../lib/highlight.js';
import {
  diffLineCount,
  LARGE_FILE_LINES,
  parseUnifiedDiff,
  type DiffFile,
  type DiffLine,
} from '../lib/unifiedDiff.js';
import { ErrorNotice } from './ErrorNotice.js';

const MARK = { add: '+', del: '-', context: ' ', meta: '' } as const;

const CodeLine = memo(function CodeLine({
  line,
  language,
}: {
  line: DiffLine;
  language: Language | null;
}) {
  const tokens = line.kind === 'meta' ? null : highlightLine(line.text, language);
  return (
    <tr className={`diff-line diff-${line.kind}`}>
      <td className="diff-no" aria-hidden="true">
        {line.oldNo ?? ''}
      </td>
      <td className="diff-no" aria-hidden="true">
        {line.newNo ?? ''}
      </td>
      <td className="diff-code">
        <span className="diff-mark">{MARK[line.kind]}</span>
        {tokens
          ? tokens.map((token, index) =>
              token.kind === 'plain' ? (
                token.text
              ) : (
                <span key={index} className={`tok-${token.kind}`}>
                  {token.text}
                </span>
              ),
            )
          : line.text}
      </td>
    </tr>
  );
});

function Numstat({ stat }: { stat: ChangedFile | undefined }) {
  if (!stat) return null;
  if (stat.added === null || stat.removed === null) {
    return <span className="numstat muted">binary</span>;
  }
  return (
    <span className="numstat" aria-label={`${stat.added} added, ${stat.removed} removed`}>
      <span className="numstat-add">+{stat.added}</span>{' '}
      <span className="numstat-del">−{stat.removed}</span>
    </span>
  );
}

const CHANGE_LABEL = { added: 'new', deleted: 'deleted', modified: '' } as const;

function FileDiff({ file, stat }: { file: DiffFile; stat: ChangedFile | undefined }) {
  const language = languageOf(file.path);
  const large = diffLineCount(file) > LARGE_FILE_LINES;
  const [open, setOpen] = useState(!large);
  return (
    <details
      className="diff-file"
      data-testid="diff-file"
      data-path={file.path}
      open={open}
      onToggle={(event) => setOpen(event.currentTarget.open)}
    >
      <summary>
        <code className="diff-path">{file.path}</code>
        {CHANGE_LABEL[file.change] && (
          <span className="diff-change">{CHANGE_LABEL[file.change]}</span>
        )}
        <Numstat stat={stat ?? { path: file.path, added: file.added, removed: file.removed }} />
        {large && !open && <span className="muted small">large: open to show</span>}
      </summary>
      {open &&
        (file.hunks.length === 0 ? (
          <p className="muted small diff-note">
            {file.binary
              ? 'A binary file: no text to show.'
              : file.notes.join(' · ') || 'No change in content.'}
          </p>
        ) : (
          <div className="diff-scroll">
            <table className="diff-table">
              {file.hunks.map((hunk, h) => (
                <tbody key={h}>
                  <tr className="diff-hunk">
                    <td colSpan={3}>{hunk.header}</td>
                  </tr>
                  {hunk.lines.map((line, index) => (
                    <CodeLine key={index} line={line} language={language} />
                  ))}
                </tbody>
              ))}
            </table>
          </div>
        ))}
    </details>
  );
}

/** A finished task's changes, file by file, with the line counts its result recorded. */
export function TaskDiff({ task }: { task: Task }) {
  const changed = task.result?.files_changed ?? [];
  const diff = useTaskDiff(task.id, changed.length > 0);
  const files = useMemo(() => (diff.data ? parseUnifiedDiff(diff.data) : []), [diff.data]);
  const stats = useMemo(() => new Map(changed.map((f) => [f.path, f])), [changed]);
  const missing = changed.filter((f) => !files.some((file) => file.path === f.path));

  return (
    <section className="task-diff" aria-labelledby={`diff-title-${task.id}`}>
      <h3 id={`diff-title-${task.id}`}>Changes</h3>
      {changed.length === 0 ? (
        <p className="muted" data-testid="diff-empty">
          This task changed no files.
        </p>
      ) : diff.isPending ? (
        <p className="muted" role="status">
          Loading the diff…
        </p>
      ) : diff.isError ? (
        <>
          <ErrorNotice error={diff.error} title="Could not load the diff" />
          <button type="button" className="button-quiet" onClick={() => void diff.refetch()}>
            Try again
          </button>
        </>
      ) : (
        <>
          {files.map((file) => (
            <FileDiff key={file.path} file={file} stat={stats.get(file.path)} />
          ))}
          {missing.length > 0 && (
            <p className="muted small">
              The diff was cut short; also changed: {missing.map((f) => f.path).join(', ')}.
            </p>
          )}
        </>
      )}
    </section>
  );
}
