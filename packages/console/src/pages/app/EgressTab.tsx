import type { AppTabProps } from './appTab.js';

/** Not built yet: its egress rules and the requests they denied. */
export function EgressTab({ app }: AppTabProps) {
  return (
    <section className="panel" aria-labelledby="egress-title" data-app={app.id}>
      <h2 id="egress-title">Egress</h2>
      <p className="empty">This section is not built yet.</p>
    </section>
  );
}
