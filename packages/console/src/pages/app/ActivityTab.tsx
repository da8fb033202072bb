import type { AppTabProps } from './appTab.js';

/** Not built yet: the app's events. */
export function ActivityTab({ app }: AppTabProps) {
  return (
    <section className="panel" aria-labelledby="activity-title" data-app={app.id}>
      <h2 id="activity-title">Activity</h2>
      <p className="empty">This section is not built yet.</p>
    </section>
  );
}
