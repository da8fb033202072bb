import type { AppTabProps } from './appTab.js';

/** Not built yet: the app's snapshots. */
export function SnapshotsTab({ app }: AppTabProps) {
  return (
    <section className="panel" aria-labelledby="snapshots-title" data-app={app.id}>
      <h2 id="snapshots-title">Snapshots</h2>
      <p className="empty">This section is not built yet.</p>
    </section>
  );
}
