import type { AppTabProps } from './appTab.js';

/** Not built yet: every task's checkpoint. */
export function CheckpointsTab({ app }: AppTabProps) {
  return (
    <section className="panel" aria-labelledby="checkpoints-title" data-app={app.id}>
      <h2 id="checkpoints-title">Checkpoints</h2>
      <p className="empty">This section is not built yet.</p>
    </section>
  );
}
