import type { FastifyBaseLogger } from 'fastify';
import type { AuditLog } from '../audit/auditLog.js';
import { ConfigError } from '../config.js';
import type { EventLog } from '../events/eventLog.js';
import type { RouteInstaller } from '../http/routes.js';
import { loadMasterKey } from '@paddock/keys';
import { secretsRoutes } from './secretsRoutes.js';
import { SecretsService, type SealedValues } from './secretsService.js';

export {
  SecretsService,
  appKeyPlace,
  instancePlace,
  sealPlace,
  type SealedValues,
} from './secretsService.js';
export { SealedRows } from './sealedRows.js';

/** The master key: seals sensitive values where they are kept, opens them, rotates. */
export async function createSecrets(d: {
  stateDir: string;
  /** `PADDOCK_SECRETS_KEY`; unset: a generated key file in the state dir. */
  secretsKey: string | undefined;
  values: SealedValues;
  events: EventLog;
  audit: AuditLog;
  log: FastifyBaseLogger;
}) {
  let keys;
  try {
    keys = loadMasterKey({ env: d.secretsKey, stateDir: d.stateDir });
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const service = new SecretsService({
    ...keys,
    stateDir: d.stateDir,
    store: d.values,
    log: d.log,
  });
  await service.init();
  const routes: RouteInstaller = async (app) => {
    await app.register(secretsRoutes, { secrets: service, events: d.events, audit: d.audit });
  };
  return { service, routes };
}
