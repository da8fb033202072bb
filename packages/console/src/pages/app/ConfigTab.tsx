import { useAppConfig } from '../../api/config.js';
import { AddConfigForm } from '../../components/config/AddConfigForm.js';
import { ConfigTable } from '../../components/config/ConfigTable.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import '../../styles/config.css';
import type { AppTabProps } from './appTab.js';

/** The app's config values and secrets: listed, added, changed and deleted. */
export function ConfigTab({ app }: AppTabProps) {
  const config = useAppConfig(app.id);
  return (
    <section
      className="panel"
      aria-labelledby="config-title"
      data-app={app.id}
      data-testid="config-section"
    >
      <div className="panel-header">
        <h2 id="config-title">Config &amp; secrets</h2>
      </div>
      <p className="muted small">
        The app&apos;s processes and agent tasks get these as environment variables, as each
        key&apos;s access allows. A secret never enters the sandbox: processes see{' '}
        <code>paddock-secret:KEY</code>, and the egress proxy puts the real value into requests to
        the hosts you name.
      </p>
      {config.isError && (
        <ErrorNotice
          error={config.error}
          title="Could not read the app's config (it is asked for again every few seconds)"
        />
      )}
      {config.isPending ? (
        <p role="status">Loading the app&apos;s config…</p>
      ) : config.data === undefined ? null : config.data.length === 0 ? (
        <p className="empty" data-testid="config-empty">
          No config yet: add a value or a secret below.
        </p>
      ) : (
        <ConfigTable appId={app.id} entries={config.data} />
      )}
      <AddConfigForm appId={app.id} />
    </section>
  );
}
