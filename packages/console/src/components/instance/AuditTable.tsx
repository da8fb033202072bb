import type { AuditEntry } from '@paddock/shared';
import { fullTime, timeAgo } from '../../lib/time.js';

function detailsText(details: Record<string, unknown>): string {
  const entries = Object.entries(details);
  if (entries.length === 0) return '';
  return entries.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
}

/** Audit entries, newest first: when, who, what, on what, how it ended and its details. */
export function AuditTable({ entries }: { entries: AuditEntry[] }) {
  // The scroll box is focusable: a keyboard can scroll it sideways on a phone.
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Audit entries">
      <table className="table audit-table" data-testid="audit-table">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Action</th>
            <th scope="col">Outcome</th>
            <th scope="col">Actor</th>
            <th scope="col">Target</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.id} data-testid="audit-row" data-action={e.action} data-outcome={e.outcome}>
              <td title={fullTime(e.at)}>{timeAgo(e.at)}</td>
              <th scope="row">
                <code>{e.action}</code>
              </th>
              <td>
                <span className={`outcome outcome-${e.outcome}`}>{e.outcome}</span>
              </td>
              <td>
                {e.actor.owner ?? <span className="muted">unknown</span>}
                {e.actor.key_id && <span className="muted small"> · {e.actor.key_id}</span>}
                {e.actor.ip && <span className="muted small"> · {e.actor.ip}</span>}
              </td>
              <td>{e.target ? `${e.target.type} ${e.target.id}` : ''}</td>
              <td className="audit-details">
                <code>{detailsText(e.details)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
