import type { ApiKey } from '../../api/apiKeys.js';
import { fullTime, timeAgo } from '../../lib/time.js';

/** Every API key (an admin sees all owners'), newest first, each with a Revoke button. */
export function ApiKeyTable({
  keys,
  onRevoke,
}: {
  keys: ApiKey[];
  onRevoke: (key: ApiKey) => void;
}) {
  const sorted = [...keys].sort((a, b) => b.created_at.localeCompare(a.created_at));
  // The scroll box is focusable: a keyboard can scroll it sideways on a phone.
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="API keys">
      <table className="table" data-testid="api-key-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Owner</th>
            <th scope="col">Role</th>
            <th scope="col">Prefix</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((key) => (
            <tr key={key.id} data-testid="api-key-row" data-key-id={key.id}>
              <th scope="row">{key.name}</th>
              <td>{key.owner}</td>
              <td>
                <span className={`role-badge role-${key.role}`}>{key.role}</span>
              </td>
              <td>
                <code>{key.prefix}…</code>
              </td>
              <td title={fullTime(key.created_at)}>{timeAgo(key.created_at)}</td>
              <td title={key.last_used_at ? fullTime(key.last_used_at) : undefined}>
                {key.last_used_at ? (
                  timeAgo(key.last_used_at)
                ) : (
                  <span className="muted">never</span>
                )}
              </td>
              <td>
                <button
                  type="button"
                  className="button-quiet"
                  aria-label={`Revoke ${key.name}`}
                  data-testid="api-key-revoke"
                  onClick={() => onRevoke(key)}
                >
                  Revoke…
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
