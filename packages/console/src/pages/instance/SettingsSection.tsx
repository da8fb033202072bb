import { useSettings, useUpdateSettings } from '../../api/settings.js';
import { useSystemInfo } from '../../api/system.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { LimitsTable } from '../../components/instance/LimitsTable.js';
import { SettingsForm } from '../../components/instance/SettingsForm.js';
import { SourceBadge } from '../../components/instance/SourceBadge.js';
import '../../styles/instance.css';

/** The run-time settings (editable, applied at once) and what is fixed when paddockd starts. */
export function SettingsSection() {
  const settings = useSettings();
  const update = useUpdateSettings();
  const system = useSystemInfo();

  return (
    <>
      <section className="panel" aria-labelledby="settings-title">
        <div className="panel-header">
          <h2 id="settings-title">Settings</h2>
        </div>
        <p className="muted small">
          Changes apply at once, without a restart, and are kept in this instance&apos;s database.
          Each value says whether it is the built-in default or was set here.
        </p>
        {settings.isPending ? (
          <p role="status">Loading the settings…</p>
        ) : settings.isError ? (
          <ErrorNotice error={settings.error} title="Could not read the settings" />
        ) : (
          <SettingsForm
            settings={settings.data}
            saving={update.isPending}
            error={update.error}
            saved={update.isSuccess}
            onSave={(patch) => update.mutate(patch)}
          />
        )}
        {settings.data && (
          <div className="stack">
            <h3 className="small-heading">
              Capabilities refused to userspace apps{' '}
              <SourceBadge source={settings.data.sources.userspace_forbidden_capabilities} />
            </h3>
            <ForbiddenCapabilities value={settings.data.userspace_forbidden_capabilities} />
          </div>
        )}
      </section>
      <section className="panel" aria-labelledby="fixed-settings-title">
        <h2 id="fixed-settings-title">Fixed when paddockd starts</h2>
        <p className="muted small">
          These are read-only here: change the environment variable and restart paddockd.
        </p>
        {system.isPending ? (
          <p role="status">Loading the sandbox limits…</p>
        ) : system.isError ? (
          <ErrorNotice error={system.error} title="Could not read the sandbox limits" />
        ) : (
          <LimitsTable info={system.data} caption="Sandbox limits" />
        )}
      </section>
    </>
  );
}

function ForbiddenCapabilities({ value }: { value: Record<string, string[] | undefined> }) {
  const tiers = Object.entries(value).filter(([, caps]) => caps && caps.length > 0);
  if (tiers.length === 0) {
    return (
      <p className="muted small">
        None: an app gets what its owner grants. Read-only here: set them with{' '}
        <code>PATCH /v1/settings</code> (<code>userspace_forbidden_capabilities</code>).
      </p>
    );
  }
  return (
    <ul className="plain-list">
      {tiers.map(([tier, caps]) => (
        <li key={tier}>
          <strong>{tier}</strong>: {caps!.join(', ')}
        </li>
      ))}
    </ul>
  );
}
