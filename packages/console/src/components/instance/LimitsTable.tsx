import type { SystemInfo } from '@paddock/shared';

type Limits = SystemInfo['default_limits'];

const ROWS: Array<{ key: keyof Limits; label: string; unit: string; env: string }> = [
  { key: 'memory_mb', label: 'Memory', unit: 'MiB', env: 'PADDOCK_MAX_MEMORY_MB' },
  { key: 'pids', label: 'Processes', unit: '', env: 'PADDOCK_MAX_PIDS' },
  { key: 'cpus', label: 'CPUs', unit: 'cores', env: 'PADDOCK_MAX_CPUS' },
  { key: 'disk_mb', label: 'Workspace disk', unit: 'MiB', env: 'PADDOCK_MAX_DISK_MB' },
];

/** Sandbox limits in force: the default a sandbox gets and the most one may ask for. */
export function LimitsTable({ info, caption }: { info: SystemInfo; caption: string }) {
  // The scroll box is focusable: a keyboard can scroll it sideways on a phone.
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label={caption}>
      <table className="table" data-testid="limits-table">
        <caption className="table-caption">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Limit</th>
            <th scope="col">Default</th>
            <th scope="col">Most allowed</th>
            <th scope="col">Set by</th>
          </tr>
        </thead>
        <tbody>
          {ROWS.map((r) => (
            <tr key={r.key}>
              <th scope="row">{r.label}</th>
              <td>
                {info.default_limits[r.key]} {r.unit}
              </td>
              <td>
                {info.max_limits[r.key]} {r.unit}
              </td>
              <td className="muted small">
                built-in default; most: <code>{r.env}</code> when paddockd starts
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
