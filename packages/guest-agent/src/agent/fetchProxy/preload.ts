/**
 * `node --require fetch-proxy.cjs`, put in every child's NODE_OPTIONS: Node's built-in fetch
 * ignores HTTP(S)_PROXY, so without this it would find no way out of the sandbox. It installs a
 * stand-in global dispatcher that loads the real one (undici's ProxyAgent, ~400 KB) on the
 * first fetch only, so the many Node processes that never fetch start no slower.
 *
 * Only for the undici majors whose dispatcher protocol matches (Node 20 and 22); newer Node reads the
 * proxy variables itself with NODE_USE_ENV_PROXY=1, which the agent also sets.
 */
import { EventEmitter } from 'node:events';

const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');
/** Undici majors whose fetch speaks the dispatcher protocol the bundled ProxyAgent does. */
const COMPATIBLE_UNDICI_MAJORS = ['5', '6'];

interface Dispatcher {
  dispatch(options: unknown, handler: unknown): boolean;
  close(): Promise<void>;
  destroy(err?: Error | null): Promise<void>;
}

const store = globalThis as unknown as Record<symbol, unknown>;
const proxy = process.env.HTTPS_PROXY ?? process.env.https_proxy;
if (
  proxy !== undefined &&
  COMPATIBLE_UNDICI_MAJORS.includes(process.versions.undici?.split('.')[0] ?? '') &&
  store[GLOBAL_DISPATCHER] === undefined
) {
  let real: Dispatcher | undefined;
  const load = (): Dispatcher => {
    // Resolved next to this file; esbuild leaves the require alone (it is external).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    real ??= (require('./fetch-proxy-agent.cjs') as { create: () => Dispatcher }).create();
    return real;
  };
  class LazyDispatcher extends EventEmitter {
    dispatch(options: unknown, handler: unknown): boolean {
      return load().dispatch(options, handler);
    }
    close(): Promise<void> {
      return real ? real.close() : Promise.resolve();
    }
    destroy(err?: Error | null): Promise<void> {
      return real ? real.destroy(err) : Promise.resolve();
    }
  }
  Object.defineProperty(globalThis, GLOBAL_DISPATCHER, {
    value: new LazyDispatcher(),
    writable: true,
    enumerable: false,
    configurable: false,
  });
}
