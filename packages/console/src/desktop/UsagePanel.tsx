import { useUsage } from '../api/userspaceApps.js';
import { ApiError } from '../api/client.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { formatBytes } from '../lib/capabilities.js';

/** The parts of an app's data, in the order they are shown. */
const PARTS = [
  ['kv_bytes', 'Keys and values'],
  ['table_bytes', 'Tables'],
  ['files_bytes', 'Files'],
  ['used_bytes', 'In all'],
  ['quota_bytes', 'Quota'],
] as const;

/** What the app's data takes (kv, tables, files) against its quotas, as the broker reports it. */
export function UsagePanel({ appId }: { appId: string }) {
  const usage = useUsage(appId);
  const missing = usage.error instanceof ApiError && usage.error.status === 404;
  return (
    <section className="panel" aria-labelledby="usage-title" data-testid="usage-panel">
      <h2 id="usage-title">Data</h2>
      {usage.isError && !missing && (
        <ErrorNotice error={usage.error} title="Could not load usage" />
      )}
      {missing && <p className="muted">No data usage recorded.</p>}
      {usage.data && (
        <dl className="usage-list">
          {PARTS.map(([key, label]) => (
            <div key={key} data-testid="usage-item" data-key={key}>
              <dt>{label}</dt>
              <dd>{formatBytes(usage.data[key])}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}
