import type { InstallResult, UserspaceApp } from '@paddock/shared';
import { versionOf } from './pkgOutput.js';

/**
 * An install's, update's or publish's outcome: `OUTCOME ID VERSION` on stdout (the version it
 * concerns: a pending one waits for consent), what it means on stderr. A rollback is a failure
 * (exit 1).
 */
export function printInstallResult(r: InstallResult, json: boolean): number {
  const { app } = r;
  const version = r.outcome === 'pending_consent' && app.pending ? app.pending : app;
  if (json) console.log(JSON.stringify(r, null, 2));
  else console.log([r.outcome, app.id, versionOf(version)].join('\t'));
  if (r.outcome === 'pending_consent') {
    const added = app.pending?.added.join(', ') || 'permissions beyond its tier';
    console.error(
      `paddock: version ${versionOf(version)} waits for consent to: ${added}\n` +
        '  grant it in the console, or install again with --consent',
    );
  }
  if (r.outcome === 'rolled_back') {
    const failed = app.last_update?.to_version;
    const reason = app.last_update?.reason ?? 'no reason given';
    console.error(
      `paddock: the update${failed === undefined ? '' : ` to version ${failed}`} failed and was ` +
        `rolled back to ${versionOf(app)}: ${reason}`,
    );
    return 1;
  }
  return 0;
}

export function appSummary(a: UserspaceApp): string {
  const row = [a.id, a.name, versionOf(a), a.status, a.provenance];
  if (a.status === 'trashed' && a.purge_after) row.push(`purge after ${a.purge_after}`);
  return row.join('\t');
}
