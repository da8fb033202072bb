import type { AppTabProps } from './appTab.js';

/** Not built yet: its config values and secrets. */
export function ConfigTab({ app }: AppTabProps) {
  return (
    <section className="panel" aria-labelledby="config-title" data-app={app.id}>
      <h2 id="config-title">Config</h2>
      <p className="empty">This section is not built yet.</p>
    </section>
  );
}
