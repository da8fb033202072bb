import { useUsage } from '../api/userspaceApps.js';
import { ApiError } from '../api/client.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { formatBytes } from '../lib/capabilities.js';

function show(key: string, value: unknown): string {
  if (typeof value === 'number' && /bytes$/.test(key)) return formatBytes(value);
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') {
    return String(value);
  }
  return JSON.stringify(value);
}

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
          {Object.entries(usage.data)
            .filter(([key]) => key !== 'app_id')
            .map(([key, value]) => (
              <div key={key} data-testid="usage-item" data-key={key}>
                <dt>{key.replace(/_/g, ' ')}</dt>
                <dd>{show(key, value)}</dd>
              </div>
            ))}
        </dl>
      )}
    </section>
  );
}
