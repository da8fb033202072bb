import { useSystemInfo } from '../../api/system.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { LimitsTable } from '../../components/instance/LimitsTable.js';
import { PresetCacheTable } from '../../components/instance/PresetCacheTable.js';
import { SecretsKeyPanel } from '../../components/instance/SecretsKeyPanel.js';
import '../../styles/instance.css';

/** The daemon as it runs: version, sandbox driver, limits, preset caches, the secrets key. */
export function SystemSection() {
  const info = useSystemInfo();

  return (
    <>
      <section className="panel" aria-labelledby="system-title">
        <div className="panel-header">
          <h2 id="system-title">System</h2>
        </div>
        {info.isPending ? (
          <p role="status">Reading the system information…</p>
        ) : info.isError ? (
          <ErrorNotice error={info.error} title="Could not read the system information" />
        ) : (
          <>
            <dl className="facts" data-testid="system-facts">
              <dt>Version</dt>
              <dd data-testid="system-version">{info.data.version}</dd>
              <dt>Sandbox driver</dt>
              <dd data-testid="system-driver">{info.data.driver.driver}</dd>
              <dt>cgroup</dt>
              <dd>{info.data.driver.cgroup}</dd>
              {Object.entries(info.data.driver.details).map(([name, value]) => (
                <DriverDetail key={name} name={name} value={value} />
              ))}
            </dl>
            <LimitsTable info={info.data} caption="Sandbox limits" />
            <PresetCacheTable />
          </>
        )}
      </section>
      <SecretsKeyPanel />
    </>
  );
}

function DriverDetail({ name, value }: { name: string; value: string | number | boolean }) {
  return (
    <>
      <dt>{name.replaceAll('_', ' ')}</dt>
      <dd>
        <code>{String(value)}</code>
      </dd>
    </>
  );
}
