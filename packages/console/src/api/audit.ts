import { useInfiniteQuery } from '@tanstack/react-query';
import type { AuditEntry, AuditOutcome } from '@paddock/shared';
import { requestJson } from './client.js';
import { queryKeys } from './queryKeys.js';

/** The audit log's filters as the form holds them; empty strings mean "any". */
export interface AuditFilters {
  action: string;
  owner: string;
  outcome: AuditOutcome | '';
  /** ISO timestamps. */
  since: string;
  until: string;
}

export const NO_AUDIT_FILTERS: AuditFilters = {
  action: '',
  owner: '',
  outcome: '',
  since: '',
  until: '',
};

const PAGE_SIZE = 50;

/** The query string for these filters (shared by the list and the export link). */
export function auditQuery(filters: AuditFilters, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) {
    if (value) params.set(name, value);
  }
  for (const [name, value] of Object.entries(extra)) params.set(name, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function auditExportUrl(filters: AuditFilters): string {
  return `/v1/audit/export${auditQuery(filters)}`;
}

interface AuditPage {
  items: AuditEntry[];
  next_cursor: string | null;
}

/** Newest first, a page at a time (Load more follows the cursor). */
export function useAuditLog(filters: AuditFilters) {
  return useInfiniteQuery({
    queryKey: queryKeys.audit(filters),
    initialPageParam: '',
    queryFn: ({ pageParam, signal }) =>
      requestJson<AuditPage>(
        'GET',
        `/v1/audit${auditQuery(filters, { limit: String(PAGE_SIZE), ...(pageParam ? { cursor: pageParam } : {}) })}`,
        { signal },
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}
