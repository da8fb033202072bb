import {
  PaddockError,
  type BrokerParams,
  type BrokerResult,
  type ModelAccessBody,
  type ModelAccessView,
} from '@paddock/shared';
import type { SecretsService } from '../secrets/index.js';
import { instancePlace } from '../secrets/index.js';
import type { Db } from '../store/database.js';
import { anthropicComplete, type ModelNetwork } from './anthropicMessages.js';

const NAME = 'model-api-key';
const DEFAULT_BASE_URL = { anthropic: 'https://api.anthropic.com' } as const;

interface Meta {
  provider: ModelAccessBody['provider'];
  model: string;
  base_url: string;
}

/**
 * The model API apps reach through `app.llm`: the broker calls it with the install's key, which
 * is sealed at rest, opened only for the call and never returned, logged or given to an app.
 */
export class ModelAccess {
  constructor(private readonly o: { db: Db; secrets: SecretsService; network: ModelNetwork }) {}

  async view(): Promise<ModelAccessView> {
    const row = await this.row();
    if (!row)
      return { configured: false, provider: null, model: null, base_url: null, updated_at: null };
    const meta = JSON.parse(row.meta_json) as Meta;
    return { configured: true, ...meta, updated_at: row.updated_at };
  }

  async set(body: ModelAccessBody): Promise<ModelAccessView> {
    const meta: Meta = {
      provider: body.provider,
      model: body.model,
      base_url: (body.base_url ?? DEFAULT_BASE_URL[body.provider]).replace(/\/$/, ''),
    };
    const row = {
      name: NAME,
      sealed: this.o.secrets.seal(body.api_key, instancePlace(NAME)),
      meta_json: JSON.stringify(meta),
      updated_at: new Date().toISOString(),
    };
    await this.o.db
      .insertInto('instance_secrets')
      .values(row)
      .onConflict((oc) => oc.column('name').doUpdateSet(row))
      .execute();
    return this.view();
  }

  async clear(): Promise<ModelAccessView> {
    await this.o.db.deleteFrom('instance_secrets').where('name', '=', NAME).execute();
    return this.view();
  }

  /** One completion for an app; refused while no model API is set. */
  async complete(
    params: BrokerParams<'app.llm.complete'>,
  ): Promise<BrokerResult<'app.llm.complete'>> {
    const row = await this.row();
    if (!row) {
      throw new PaddockError('conflict', 'no model API is set up for apps; an admin sets one');
    }
    const meta = JSON.parse(row.meta_json) as Meta;
    const apiKey = this.o.secrets.open(row.sealed, instancePlace(NAME));
    return anthropicComplete(
      { baseUrl: meta.base_url, model: meta.model, apiKey },
      params,
      this.o.network,
    );
  }

  private row() {
    return this.o.db
      .selectFrom('instance_secrets')
      .selectAll()
      .where('name', '=', NAME)
      .executeTakeFirst();
  }
}
