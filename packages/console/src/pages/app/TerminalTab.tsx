import type { AppTabProps } from './appTab.js';

/** Not built yet: a shell in its sandbox. */
export function TerminalTab({ app }: AppTabProps) {
  return (
    <section className="panel" aria-labelledby="terminal-title" data-app={app.id}>
      <h2 id="terminal-title">Terminal</h2>
      <p className="empty">This section is not built yet.</p>
    </section>
  );
}
