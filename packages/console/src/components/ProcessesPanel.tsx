import { useState } from 'react';
import { processLogsUrl, useRestartProcess } from '../api/processes.js';
import type { SandboxDetail } from '@paddock/shared';
import { ErrorNotice } from './ErrorNotice.js';
import { LogViewer } from './LogViewer.js';
import { ProcessTable } from './ProcessTable.js';

interface ProcessesPanelProps {
  appId: string;
  sandbox: SandboxDetail;
}

/** The sandbox's processes, a restart button each, and the live logs of the one selected. */
export function ProcessesPanel({ appId, sandbox }: ProcessesPanelProps) {
  const processes = sandbox.processes;
  const restart = useRestartProcess(appId, sandbox.id);
  const [chosen, setChosen] = useState<string | null>(null);
  // The chosen process while it exists, else the web process, else the first one.
  const selected =
    processes.find((p) => p.name === chosen) ??
    processes.find((p) => p.kind === 'web') ??
    processes[0] ??
    null;

  return (
    <section className="panel" aria-labelledby="processes-title">
      <div className="panel-header">
        <h2 id="processes-title">Processes</h2>
      </div>
      {restart.isError && (
        <ErrorNotice error={restart.error} title={`Could not restart ${restart.variables}`} />
      )}
      {processes.length === 0 ? (
        <p className="muted">
          {sandbox.status === 'running' || sandbox.status === 'starting'
            ? 'No processes yet.'
            : 'No processes: the sandbox is not running.'}
        </p>
      ) : (
        // Wider than a phone: it scrolls sideways on its own, the page does not.
        <div className="table-scroll">
          <ProcessTable
            processes={processes}
            selected={selected?.name ?? null}
            onSelect={setChosen}
            onRestart={(name) => restart.mutate(name)}
            restarting={restart.isPending ? (restart.variables ?? null) : null}
          />
        </div>
      )}
      {selected && (
        <LogViewer
          key={`${sandbox.id}/${selected.name}`}
          url={processLogsUrl(sandbox.id, selected.name)}
          processName={selected.name}
        />
      )}
    </section>
  );
}
