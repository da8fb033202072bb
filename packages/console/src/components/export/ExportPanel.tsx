import { useState } from 'react';
import type { App } from '@paddock/shared';
import '../../styles/export.css';
import { DownloadArchiveForm } from './DownloadArchiveForm.js';
import { GitPullForm } from './GitPullForm.js';
import { GitPushForm } from './GitPushForm.js';
import { GitRemoteNote } from './GitRemoteNote.js';
import { hostOf, importedGitUrl } from './gitRemote.js';

/** Taking the project out: an archive to download, or its history pushed to a git remote. */
export function ExportPanel({ app }: { app: App }) {
  // One remote for push and pull; empty means the one the app was imported from.
  const [url, setUrl] = useState('');
  const host = hostOf(url.trim() || importedGitUrl(app) || '');
  return (
    <section className="panel" aria-labelledby="export-title" data-testid="export-panel">
      <div className="panel-header">
        <h2 id="export-title">Export</h2>
      </div>
      <DownloadArchiveForm appId={app.id} />
      {app.sandbox ? (
        <>
          <GitPushForm app={app} url={url} onUrlChange={setUrl} />
          <GitPullForm app={app} url={url} onUrlChange={setUrl} />
          <GitRemoteNote appId={app.id} host={host} />
        </>
      ) : (
        <p className="muted small" data-testid="git-no-sandbox">
          Push and pull run git inside the app&apos;s sandbox: start it with the button above.
        </p>
      )}
    </section>
  );
}
