import { Fragment, useState } from 'react';
import type { ConfigEntry } from '@paddock/shared';
import { useNow } from '../../hooks/useNow.js';
import { fullTime, timeAgo } from '../../lib/time.js';
import { ACCESS_POLICY_LABELS } from './accessPolicy.js';
import { DeleteConfigAction } from './DeleteConfigAction.js';
import { EditConfigForm } from './EditConfigForm.js';

interface ConfigTableProps {
  appId: string;
  entries: readonly ConfigEntry[];
}

/** Where a secret goes: its hosts and header, or that it only ever reaches processes as a placeholder. */
function Injection({ entry }: { entry: ConfigEntry }) {
  if (!entry.sensitive) return <span className="muted">—</span>;
  if (entry.inject === null) return <span className="muted">Not injected</span>;
  return (
    <span className="config-inject" data-testid="config-inject">
      <code>{entry.inject.header}</code> to{' '}
      {entry.inject.hosts.map((h, i) => (
        <Fragment key={h}>
          {i > 0 && ', '}
          <code>{h}</code>
        </Fragment>
      ))}
    </span>
  );
}

/** The app's config entries; a secret's value is never shown, only that it is set and when. */
export function ConfigTable({ appId, entries }: ConfigTableProps) {
  const [editing, setEditing] = useState<string | null>(null);
  const now = useNow(true, 30_000);
  return (
    <div className="table-scroll">
      <table className="table config-table" data-testid="config-table">
        <caption className="visually-hidden">Config values and secrets</caption>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Kind</th>
            <th scope="col">Value</th>
            <th scope="col">Who may use it</th>
            <th scope="col">Injected</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <Fragment key={entry.key}>
              <tr
                data-testid="config-row"
                data-key={entry.key}
                data-sensitive={String(entry.sensitive)}
              >
                <th scope="row">
                  <code>{entry.key}</code>
                </th>
                <td>
                  <span
                    className={entry.sensitive ? 'config-kind config-kind-secret' : 'config-kind'}
                  >
                    {entry.sensitive ? 'Secret' : 'Value'}
                  </span>
                </td>
                <td className="config-value" data-testid="config-value">
                  {entry.sensitive ? (
                    <span className="muted" title={fullTime(entry.updated_at)}>
                      {entry.value_set ? 'set' : 'not set'} · updated{' '}
                      {timeAgo(entry.updated_at, now)}
                    </span>
                  ) : entry.value ? (
                    <code>{entry.value}</code>
                  ) : (
                    <span className="muted">(empty)</span>
                  )}
                </td>
                <td>{ACCESS_POLICY_LABELS[entry.access_policy]}</td>
                <td>
                  <Injection entry={entry} />
                </td>
                <td>
                  <div className="actions config-actions">
                    <button
                      type="button"
                      className="button-quiet"
                      aria-expanded={editing === entry.key}
                      aria-label={`${entry.sensitive ? 'Replace or edit' : 'Edit'} ${entry.key}`}
                      data-testid="config-edit-open"
                      onClick={() => setEditing(editing === entry.key ? null : entry.key)}
                    >
                      {entry.sensitive ? 'Replace…' : 'Edit…'}
                    </button>
                    <DeleteConfigAction
                      appId={appId}
                      configKey={entry.key}
                      sensitive={entry.sensitive}
                    />
                  </div>
                </td>
              </tr>
              {editing === entry.key && (
                <tr className="config-edit-row">
                  <td colSpan={6}>
                    <EditConfigForm appId={appId} entry={entry} onDone={() => setEditing(null)} />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
    </div>
  );
}
