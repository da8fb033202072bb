import type { App } from '@paddock/shared';
import { summarizeApp } from '../lib/appStatus.js';
import { StatusBadge } from './StatusBadge.js';

interface AppStatusLineProps {
  app: App;
  testId?: string;
}

/** The app's state in one line: the sandbox status, the preview or processes, manifest errors. */
export function AppStatusLine({ app, testId }: AppStatusLineProps) {
  const summary = summarizeApp(app);
  return (
    <span
      className="status-line"
      data-testid={testId}
      data-status={summary.status}
      data-preview-status={summary.preview ?? undefined}
    >
      <StatusBadge tone={summary.tone}>{summary.label}</StatusBadge>
      {summary.detail && <span className="muted"> {summary.detail}</span>}
      {summary.manifestErrors > 0 && (
        <span className="manifest-badge">
          sandbox.yaml: {summary.manifestErrors} {summary.manifestErrors === 1 ? 'error' : 'errors'}
        </span>
      )}
    </span>
  );
}
