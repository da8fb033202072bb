import type { App } from '@paddock/shared';
import type { SandboxDetails } from '../processes/sandboxDetails.js';
import { importOf } from './appImportRecord.js';
import type { AppService } from './appService.js';
import type { AppRow } from './appStore.js';

/** An app as the API shows it: its row, its sandbox with processes and preview, its import. */
export function appViewer(apps: AppService, details: SandboxDetails) {
  return async (row: AppRow): Promise<App> => {
    const sandbox = await apps.sandboxOf(row);
    return {
      id: row.id,
      name: row.name,
      preset: row.preset,
      public: row.public === 1,
      created_at: row.created_at,
      updated_at: row.updated_at,
      sandbox: sandbox ? await details.of(sandbox) : null,
      import: importOf(row),
    };
  };
}
