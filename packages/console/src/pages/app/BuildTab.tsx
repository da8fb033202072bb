import { ManifestErrors } from '../../components/ManifestErrors.js';
import { PreviewPanel } from '../../components/PreviewPanel.js';
import { ProcessesPanel } from '../../components/ProcessesPanel.js';
import { TasksPanel } from '../../components/TasksPanel.js';
import type { AppTabProps } from './appTab.js';
import { NoSandbox } from './NoSandbox.js';

/** The split view: tasks (composer, live stream, verdict, history) beside the live preview. */
export function BuildTab({ app }: AppTabProps) {
  const sandbox = app.sandbox;
  if (!sandbox) return <NoSandbox what="nothing to build in or preview yet" />;
  return (
    <>
      <ManifestErrors errors={sandbox.manifest.errors} source={sandbox.manifest.source} />
      <div className="workbench">
        <TasksPanel appId={app.id} sandbox={sandbox} />
        <div className="workbench-preview">
          {sandbox.preview.status === 'none' ? (
            <section className="panel" aria-labelledby="preview-title">
              <h2 id="preview-title">Preview</h2>
              <p className="muted">
                No preview: this app has no web process (status{' '}
                <span data-testid="preview-status">none</span>). Its processes are below.
              </p>
            </section>
          ) : (
            <PreviewPanel
              appName={app.name}
              sandbox={sandbox}
              held={app.import?.state === 'importing' || app.import?.state === 'review'}
            />
          )}
        </div>
      </div>
      <ProcessesPanel appId={app.id} sandbox={sandbox} />
    </>
  );
}
