import type { AppImport, ProjectDetection } from '@paddock/shared';
import { PROJECT_KIND_WORDS } from '../../lib/appKind.js';

function SourceWords({ source }: { source: AppImport['source'] }) {
  switch (source.kind) {
    case 'git':
      return (
        <>
          <code>{source.url}</code>
          {source.ref && (
            <>
              {' '}
              at <code>{source.ref}</code>
            </>
          )}
          {source.commit && (
            <span className="muted" title={source.commit}>
              {' '}
              (commit <code>{source.commit.slice(0, 12)}</code>)
            </span>
          )}
        </>
      );
    case 'archive':
      return (
        <>
          An uploaded archive, kept as snapshot <code>{source.snapshot_id}</code>
        </>
      );
    case 'snapshot':
      return (
        <>
          Snapshot <code>{source.snapshot_id}</code>
        </>
      );
  }
}

/** What the daemon found the project to be, and where its dependencies come from. */
export function DetectionSummary({
  source,
  detection,
}: {
  source: AppImport['source'];
  detection: ProjectDetection;
}) {
  const dependencies = detection.preset
    ? `From the ${detection.preset} preset’s shared cache: the project’s lockfile is the preset’s, so nothing is downloaded.`
    : detection.package_manager
      ? `Installed with ${detection.package_manager} into the app’s own layer, through the egress proxy, when it starts.`
      : 'None found to install.';
  return (
    <>
      <dl className="import-detection" data-testid="import-detection">
        <dt>From</dt>
        <dd>
          <SourceWords source={source} />
        </dd>
        <dt>Recognised as</dt>
        <dd data-testid="import-kind" data-kind={detection.kind}>
          {PROJECT_KIND_WORDS[detection.kind]}
          {detection.kind === 'unknown' && (
            <span className="muted"> · describe how it runs in sandbox.yaml below</span>
          )}
        </dd>
        <dt>Package manager</dt>
        <dd data-testid="import-package-manager">{detection.package_manager ?? 'none'}</dd>
        <dt>Dependencies</dt>
        <dd data-testid="import-preset-cache" data-preset={detection.preset ?? undefined}>
          {dependencies}
        </dd>
        <dt>sandbox.yaml</dt>
        <dd data-testid="import-manifest-source" data-source={detection.manifest_source}>
          {detection.manifest_source === 'workspace'
            ? 'The project’s own, as it came.'
            : 'Proposed by Paddock (the project had none); it is written into the project.'}
        </dd>
      </dl>
      {detection.notes.length > 0 && (
        <div className="import-notes">
          <h3>What Paddock saw</h3>
          <ul data-testid="import-notes">
            {detection.notes.map((note, index) => (
              <li key={index}>{note}</li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}
