import { useId, useState } from 'react';
import type { AppArchiveQuery } from '@paddock/shared';
import { appArchiveUrl } from '../../api/projectExport.js';

type ArchiveFormat = Required<AppArchiveQuery>['format'];

/** The workspace as an archive: a plain link, so the browser streams the download. */
export function DownloadArchiveForm({ appId }: { appId: string }) {
  const [format, setFormat] = useState<ArchiveFormat>('tar.gz');
  const [git, setGit] = useState(false);
  const id = useId();
  return (
    <div className="export-part" data-testid="export-download">
      <h3 id={`${id}-title`}>Download</h3>
      <p className="muted small">
        The project&apos;s files, without <code>node_modules</code>, virtual environments and build
        caches (they are made again from the lockfile).
      </p>
      <div className="export-row" role="group" aria-labelledby={`${id}-title`}>
        <fieldset className="export-format">
          <legend className="visually-hidden">Archive format</legend>
          {(['tar.gz', 'zip'] as const).map((value) => (
            <label key={value} className="checkbox">
              <input
                type="radio"
                name={`${id}-format`}
                value={value}
                data-testid={`archive-format-${value}`}
                checked={format === value}
                onChange={() => setFormat(value)}
              />
              .{value}
            </label>
          ))}
        </fieldset>
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="archive-git"
            checked={git}
            onChange={(event) => setGit(event.target.checked)}
          />
          With the git history (every checkpoint)
        </label>
        <a
          className="button"
          href={appArchiveUrl(appId, { format, git })}
          download
          data-testid="archive-download"
        >
          Download .{format}
        </a>
      </div>
    </div>
  );
}
