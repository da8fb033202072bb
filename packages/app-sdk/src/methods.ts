import type { BROKER_METHODS, BrokerMethod } from '@paddock/shared';

/**
 * Every broker method and the capability it needs, as a value the browser can hold without
 * `@paddock/shared`'s schemas (and typebox) at run time. The compiler holds it to
 * `BROKER_METHODS`: a method missing, one too many, or a capability that differs fails the
 * build, so this is the same list, not a second one.
 */
export const METHOD_CAPABILITIES = {
  'app.kv.get': 'app.kv',
  'app.kv.set': 'app.kv',
  'app.kv.delete': 'app.kv',
  'app.kv.list': 'app.kv',
  'app.table.insert': 'app.table',
  'app.table.get': 'app.table',
  'app.table.query': 'app.table',
  'app.table.update': 'app.table',
  'app.table.delete': 'app.table',
  'app.files.read': 'app.files',
  'app.files.write': 'app.files',
  'app.files.list': 'app.files',
  'app.files.delete': 'app.files',
  'app.notify': 'app.notify',
  'app.llm.complete': 'app.llm',
  'app.agent.start': 'app.agent',
  'app.agent.read': 'app.agent',
} as const satisfies { [M in BrokerMethod]: (typeof BROKER_METHODS)[M]['capability'] };

// The other direction: a method BROKER_METHODS lacks is an excess property above; one this
// table lacks makes the key sets differ here.
type Missing = Exclude<BrokerMethod, keyof typeof METHOD_CAPABILITIES>;
const _everyMethod: [Missing] extends [never] ? true : Missing = true;
void _everyMethod;

export function isBrokerMethod(value: unknown): value is BrokerMethod {
  return typeof value === 'string' && Object.hasOwn(METHOD_CAPABILITIES, value);
}
