import type { App, AppImport } from '@paddock/shared';
import { useElapsedSeconds } from '../../hooks/useElapsedSeconds.js';
import '../../styles/import.css';
import { DetectionSummary } from './DetectionSummary.js';
import { ManifestReviewForm } from './ManifestReviewForm.js';

/** Still being brought in: the clone or unpacking runs, and detection has not spoken yet. */
function importing(imported: AppImport): boolean {
  return (imported.state as string) === 'importing' || !imported.detection;
}

function ImportProgress({ app }: { app: App }) {
  const elapsed = useElapsedSeconds(true);
  const sandbox = app.sandbox;
  return (
    <section
      className="panel import-review"
      aria-labelledby="import-progress-title"
      data-testid="import-progress"
    >
      <h2 id="import-progress-title">Importing the project</h2>
      <progress aria-label="Importing the project" />
      <p className="muted small" role="status">
        {sandbox?.status === 'starting' ? 'Booting the sandbox' : 'Bringing the files in'} and
        looking at how the project runs… {elapsed}s. The proposed <code>sandbox.yaml</code> shows
        here when it is ready.
      </p>
    </section>
  );
}

/**
 * An imported app held for review: what detection found and the sandbox.yaml it proposes, to
 * edit and confirm before the processes first start. Nothing once the app has started.
 */
export function ImportReviewPanel({ app }: { app: App }) {
  const imported = app.import;
  if (!imported || imported.state === 'started') return null;
  const detection = imported.detection;
  if (importing(imported) || !detection) return <ImportProgress app={app} />;
  return (
    <section
      className="panel import-review"
      aria-labelledby="import-review-title"
      data-testid="import-review"
    >
      <div className="panel-header">
        <h2 id="import-review-title">Review the import</h2>
      </div>
      <p className="muted small">
        The project is in the app&apos;s workspace and nothing runs yet. Check how Paddock found it
        runs, edit <code>sandbox.yaml</code> if it is not right, then start the app.
      </p>
      <DetectionSummary source={imported.source} detection={detection} />
      <ManifestReviewForm key={app.id} appId={app.id} proposed={detection.manifest} />
    </section>
  );
}
