import type { AppTabProps } from './appTab.js';

/** Not built yet: the files it holds. */
export function FilesTab({ app }: AppTabProps) {
  return (
    <section className="panel" aria-labelledby="files-title" data-app={app.id}>
      <h2 id="files-title">Files</h2>
      <p className="empty">This section is not built yet.</p>
    </section>
  );
}
