import { useEffect, useRef } from 'react';
import type { HostRows } from './hostRows.js';

interface HostListEditorProps {
  list: 'allow' | 'deny';
  title: string;
  hint: string;
  rows: HostRows;
  /** The row the daemon refused, if any. */
  invalidRow: number | null;
  onChange: (rows: HostRows) => void;
}

/** One list of host patterns as rows: add, edit, remove. */
export function HostListEditor({
  list,
  title,
  hint,
  rows,
  invalidRow,
  onChange,
}: HostListEditorProps) {
  const listRef = useRef<HTMLUListElement>(null);
  const focusLast = useRef(false);
  const word = list === 'allow' ? 'Allowed' : 'Denied';

  useEffect(() => {
    if (!focusLast.current) return;
    focusLast.current = false;
    const inputs = listRef.current?.querySelectorAll('input');
    inputs?.[inputs.length - 1]?.focus();
  }, [rows.length]);

  return (
    <fieldset className="egress-list" data-testid={`egress-${list}`}>
      <legend>{title}</legend>
      <p className="muted small">{hint}</p>
      {rows.length === 0 ? (
        <p className="muted small" data-testid={`egress-${list}-empty`}>
          No hosts.
        </p>
      ) : (
        <ul ref={listRef} className="egress-rows">
          {rows.map((row, index) => (
            <li key={index} className="egress-row">
              <input
                value={row}
                aria-label={`${word} host ${index + 1}`}
                aria-invalid={invalidRow === index ? true : undefined}
                placeholder="api.example.com or *.example.com"
                autoComplete="off"
                spellCheck={false}
                data-testid={`egress-${list}-host`}
                onChange={(e) => onChange(rows.map((r, i) => (i === index ? e.target.value : r)))}
              />
              <button
                type="button"
                className="button-quiet"
                aria-label={`Remove ${word.toLowerCase()} host ${row || index + 1}`}
                data-testid={`egress-${list}-remove`}
                onClick={() => onChange(rows.filter((_, i) => i !== index))}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <div>
        <button
          type="button"
          className="button-quiet"
          data-testid={`egress-${list}-add`}
          onClick={() => {
            focusLast.current = true;
            onChange([...rows, '']);
          }}
        >
          Add a host to {list === 'allow' ? 'allow' : 'deny'}
        </button>
      </div>
    </fieldset>
  );
}
