import { useState } from 'react';
import {
  auditExportUrl,
  NO_AUDIT_FILTERS,
  useAuditLog,
  type AuditFilters,
} from '../../api/audit.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { AuditFilterForm } from '../../components/instance/AuditFilterForm.js';
import { AuditTable } from '../../components/instance/AuditTable.js';
import '../../styles/instance.css';

function filtered(filters: AuditFilters): boolean {
  return Object.values(filters).some((v) => v !== '');
}

/** The audit log: who did what, filtered, a page at a time, and exported as JSON lines. */
export function AuditSection() {
  const [filters, setFilters] = useState<AuditFilters>(NO_AUDIT_FILTERS);
  const log = useAuditLog(filters);
  const entries = log.data?.pages.flatMap((p) => p.items) ?? [];
  // Entries already shown stay shown when a later page fails.
  const loadMoreError = log.isFetchNextPageError ? log.error : null;

  return (
    <section className="panel" aria-labelledby="audit-title">
      <div className="panel-header">
        <h2 id="audit-title">Audit</h2>
        <a
          className="button button-quiet audit-export"
          href={auditExportUrl(filters)}
          download="paddock-audit.jsonl"
          data-testid="audit-export"
        >
          Export{filtered(filters) ? ' filtered' : ''} (JSON lines)
        </a>
      </div>
      <p className="muted small">
        Sensitive actions with who did them, newest first. Values, bodies and output are never
        recorded: only names, counts, hashes and codes.
      </p>
      <AuditFilterForm onApply={setFilters} />
      {log.isPending ? (
        <p role="status">Loading the audit log…</p>
      ) : log.isError ? (
        <ErrorNotice error={log.error} title="Could not read the audit log" />
      ) : entries.length === 0 ? (
        <p className="empty" data-testid="audit-empty">
          {filtered(filters)
            ? 'No entries match these filters: widen the time range or clear a filter.'
            : 'Nothing recorded yet: sign-ins, key and settings changes appear here.'}
        </p>
      ) : (
        <>
          <AuditTable entries={entries} />
          <div className="actions">
            <span className="muted small" role="status" data-testid="audit-count">
              {entries.length} {entries.length === 1 ? 'entry' : 'entries'}
              {log.hasNextPage ? ' shown; there are more' : ''}
            </span>
            {log.hasNextPage && (
              <button
                type="button"
                className="button-quiet"
                disabled={log.isFetchingNextPage}
                data-testid="audit-more"
                onClick={() => void log.fetchNextPage()}
              >
                {log.isFetchingNextPage ? 'Loading…' : 'Load more'}
              </button>
            )}
          </div>
          {loadMoreError && (
            <ErrorNotice error={loadMoreError} title="Could not load more entries" />
          )}
        </>
      )}
    </section>
  );
}
