// What the console says about an app's state: only what the daemon reported, never a guess.
import type { App, PreviewStatus, ProcessView, SandboxStatus } from '@paddock/shared';

export type Tone = 'ok' | 'busy' | 'bad' | 'idle';

export interface AppStatusSummary {
  /** The sandbox's own status, or `none` when the app has no sandbox (yet). */
  status: SandboxStatus | 'none';
  /** Null when the sandbox is not running or the app has no web process. */
  preview: PreviewStatus | null;
  label: string;
  detail: string | null;
  tone: Tone;
  manifestErrors: number;
}

const SANDBOX_LABEL: Record<SandboxStatus, string> = {
  starting: 'Starting',
  running: 'Running',
  stopping: 'Stopping',
  stopped: 'Stopped',
  failed: 'Failed',
};

const SANDBOX_TONE: Record<SandboxStatus, Tone> = {
  starting: 'busy',
  running: 'ok',
  stopping: 'busy',
  stopped: 'idle',
  failed: 'bad',
};

const PREVIEW_TONE: Record<PreviewStatus, Tone> = {
  starting: 'busy',
  ready: 'ok',
  down: 'bad',
  none: 'ok',
};

/** "api running, mailer backoff" for worker-only apps. */
export function describeProcesses(processes: readonly ProcessView[]): string {
  if (processes.length === 0) return 'no processes';
  return processes.map((p) => `${p.name} ${p.status}`).join(', ');
}

function processTone(processes: readonly ProcessView[]): Tone {
  if (processes.some((p) => p.status === 'failed' || p.status === 'backoff')) return 'bad';
  if (processes.some((p) => p.status === 'starting')) return 'busy';
  return 'ok';
}

export function summarizeApp(app: App): AppStatusSummary {
  const sandbox = app.sandbox;
  if (!sandbox) {
    return {
      status: 'none',
      preview: null,
      label: 'No sandbox',
      detail: null,
      tone: 'idle',
      manifestErrors: 0,
    };
  }
  const manifestErrors = sandbox.manifest.errors.length;
  const base = {
    status: sandbox.status,
    detail: sandbox.status_reason,
    manifestErrors,
  };
  if (sandbox.status !== 'running') {
    return {
      ...base,
      preview: null,
      label: SANDBOX_LABEL[sandbox.status],
      tone: SANDBOX_TONE[sandbox.status],
    };
  }
  const preview = sandbox.preview.status;
  const importState = app.import?.state as string | undefined;
  if (importState === 'importing' || importState === 'review') {
    // An import held for review: nothing runs until the person starts it.
    return {
      ...base,
      preview,
      label: importState === 'importing' ? 'Running · importing' : 'Running · waiting for review',
      tone: 'busy',
    };
  }
  if (preview === 'none') {
    // A worker-only app: its processes are its health.
    return {
      ...base,
      preview,
      label: `Running · ${describeProcesses(sandbox.processes)}`,
      tone: processTone(sandbox.processes),
    };
  }
  const failing = sandbox.processes.filter((p) => p.status === 'failed' || p.status === 'backoff');
  const failingNote = failing.length > 0 ? ` · ${failing.length} process failing` : '';
  return {
    ...base,
    preview,
    label: `Running · preview ${preview}${failingNote}`,
    tone: failing.length > 0 ? 'bad' : PREVIEW_TONE[preview],
  };
}
