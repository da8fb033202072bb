import type { BrokerMethod, BrokerParams, BrokerResult } from '@paddock/shared';

/** Who made the call, as the daemon authenticated it: never a field of the message. */
export interface BrokerCaller {
  appId: string;
  /** The version in use that the call speaks for. */
  version: number;
  /** A window through the console (an app session), or a service app's sandbox. */
  via: 'window' | 'service';
  /** Who it acts for, as the audit log records it (the person's key, or the app's sandbox). */
  actor: { owner: string | null; keyId: string | null; ip?: string | null };
}

export type Handler<M extends BrokerMethod> = (
  caller: BrokerCaller,
  params: BrokerParams<M>,
) => Promise<BrokerResult<M>>;

/** `app.kv`: the app's keys and values. */
export interface KvHandlers {
  get: Handler<'app.kv.get'>;
  set: Handler<'app.kv.set'>;
  delete: Handler<'app.kv.delete'>;
  list: Handler<'app.kv.list'>;
}

/** `app.table`: the app's tables of JSON documents. */
export interface TableHandlers {
  insert: Handler<'app.table.insert'>;
  get: Handler<'app.table.get'>;
  query: Handler<'app.table.query'>;
  update: Handler<'app.table.update'>;
  delete: Handler<'app.table.delete'>;
}

/** `app.files`: the app's filestore. */
export interface FilesHandlers {
  read: Handler<'app.files.read'>;
  write: Handler<'app.files.write'>;
  list: Handler<'app.files.list'>;
  delete: Handler<'app.files.delete'>;
}

/** `app.notify`: a notification in the desktop. */
export interface NotifyHandlers {
  notify: Handler<'app.notify'>;
}

/** `app.agent`: a task in one of the user's build apps, followed by polling. */
export interface AgentHandlers {
  start: Handler<'app.agent.start'>;
  read: Handler<'app.agent.read'>;
}

/** `app.llm`: a model call the core makes with the admin's key. */
export interface LlmHandlers {
  complete: Handler<'app.llm.complete'>;
}

/** What the daemon gives the broker to dispatch to: one interface per capability. */
export interface BrokerHandlers {
  kv: KvHandlers;
  table: TableHandlers;
  files: FilesHandlers;
  notify: NotifyHandlers;
  agent: AgentHandlers;
  llm: LlmHandlers;
}

/** Each method's handler in `h`: the one table of dispatch. */
export function handlerOf<M extends BrokerMethod>(h: BrokerHandlers, method: M): Handler<M> {
  const table: { [K in BrokerMethod]: Handler<K> } = {
    'app.kv.get': h.kv.get,
    'app.kv.set': h.kv.set,
    'app.kv.delete': h.kv.delete,
    'app.kv.list': h.kv.list,
    'app.table.insert': h.table.insert,
    'app.table.get': h.table.get,
    'app.table.query': h.table.query,
    'app.table.update': h.table.update,
    'app.table.delete': h.table.delete,
    'app.files.read': h.files.read,
    'app.files.write': h.files.write,
    'app.files.list': h.files.list,
    'app.files.delete': h.files.delete,
    'app.notify': h.notify.notify,
    'app.agent.start': h.agent.start,
    'app.agent.read': h.agent.read,
    'app.llm.complete': h.llm.complete,
  };
  return table[method];
}

/**
 * Methods that change something or spend something (a task, a model call): each one is audited
 * (reads are counted, not audited).
 */
export const WRITE_METHODS: ReadonlySet<BrokerMethod> = new Set<BrokerMethod>([
  'app.kv.set',
  'app.kv.delete',
  'app.table.insert',
  'app.table.update',
  'app.table.delete',
  'app.files.write',
  'app.files.delete',
  'app.notify',
  'app.agent.start',
  'app.llm.complete',
]);
