import type { ProcessView } from '@paddock/shared';
import { fullTime, timeAgo } from '../lib/time.js';

interface ProcessTableProps {
  processes: readonly ProcessView[];
  selected: string | null;
  onSelect: (name: string) => void;
  onRestart: (name: string) => void;
  /** The process whose restart is in flight, if any. */
  restarting: string | null;
}

function statusText(process: ProcessView): string {
  return process.exit_code === null
    ? process.status
    : `${process.status} (exit ${process.exit_code})`;
}

export function ProcessTable({
  processes,
  selected,
  onSelect,
  onRestart,
  restarting,
}: ProcessTableProps) {
  return (
    <table className="table">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Kind</th>
          <th scope="col">Status</th>
          <th scope="col">Health</th>
          <th scope="col">Restarts</th>
          <th scope="col">PID</th>
          <th scope="col">Since</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {processes.map((process) => (
          <tr
            key={process.name}
            data-testid="process-row"
            data-name={process.name}
            data-status={process.status}
            className={process.name === selected ? 'selected' : undefined}
          >
            <th scope="row">
              <button
                type="button"
                className="link-button"
                aria-pressed={process.name === selected}
                data-testid="process-select"
                title="Show this process's logs"
                onClick={() => onSelect(process.name)}
              >
                {process.name}
              </button>
            </th>
            <td>{process.kind}</td>
            <td className={`process-${process.status}`}>{statusText(process)}</td>
            <td>{process.health ?? '—'}</td>
            <td>{process.restarts}</td>
            <td>{process.pid ?? '—'}</td>
            <td title={fullTime(process.since)}>{timeAgo(process.since)}</td>
            <td>
              <button
                type="button"
                className="button-quiet"
                data-testid="process-restart"
                aria-label={`Restart ${process.name}`}
                disabled={restarting !== null}
                onClick={() => onRestart(process.name)}
              >
                {restarting === process.name ? 'Restarting…' : 'Restart'}
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
